"""The phrase lists behind the named phrase cues (syntax in ``_cues.py``).

Each list says *how* a prompt asks for something, never *what* a particular template says; the
last eight cues describe data production in general (talking about outputs and prompts as
objects, bare formatted output, personas, worked examples, variety, scenarios, raw chat markup)
so that their weights can transfer to a family of templates never seen in training.
"""

from __future__ import annotations

# name -> (phrases, human phrase used in explanations). Matched on the tokens of system + user text
# (case-insensitive; see _cues.py for the phrase syntax). Inflections are listed, not globbed.
PHRASES: dict[str, tuple[tuple[str, ...], str]] = {
    "cue_step_by_step": (("step by step", "chain of thought", "think through", "think it through", "show your work",
                          "show all your work", "show your reasoning", "show all your reasoning", "reason carefully",
                          "reason first", "reasoning carefully", "reasoning first"),
                         "asks for step-by-step reasoning"),
    "cue_boxed": (("\\boxed", "final answer", "answer is the format", "answer in the format", "answer is format",
                   "answer in format", "answer is the form", "answer in the form", "answer is form", "answer in form"),
                  "asks for a boxed/final answer"),
    "cue_rubric": (("rubric", "rubrics", "score", "scores", "rating", "rate the", "rate each", "rate this", "rate how",
                    "grade", "scale of 1", "scale from 1", "1 to 5", "1 to 10",
                    *(f"{i}/5" for i in range(1, 6)), *(f"{i}/10" for i in range(11))),
                   "rubric/score language"),
    "cue_judge": (("which response is better", "which answer is better", "which output is better",
                   "which assistant is better", "output (a)", "[[a]]", "response a", "assistant a", "better response",
                   "preferred", "compare the two", "compare the following"),
                  "pairwise judge language"),
    "cue_format": (("json", "yaml", "python dict", "python list", "output format", "following format", "strictly",
                    "must be valid", "do not include any other", "following keys", "following fields", "with the keys",
                    "with keys"),
                   "strict output format"),
    "cue_dataset": (("instruction:", "response:", "### instruction", "### input", "### output", "### response",
                     "training data", "dataset", "datasets", "fine tune", "fine tuned", "fine tuning", "fine tunes",
                     "finetune", "finetuned", "finetuning", "finetunes", "sft", "synthetic"),
                    "dataset-style fields"),
    "cue_rewrite": (("rewrite", "rewrites", "rewrited", "rewriter", "rewriters", "rephraser", "paraphraser", "rephrase", "rephrased", "rephrases",
                     "paraphrase", "paraphrased", "paraphrases",
                     "rewriting", "rewritten", "rewrote", "rephrasing", "reword", "rewords", "reworded", "rewording",
                     "reformulate", "reformulates", "reformulated", "reformulating", "reformulation", "restate",
                     "restates", "restated", "recast", "make it more", "make it less",
                     "make this more", "make this less", "complicated version", "more complex"),
                    "asks for a rewrite"),
    "cue_sensitive": (("politically sensitive", "censor", "censors", "censored", "censoring", "censorship",
                       "sanitize", "sanitise", "sanitized", "sanitised", "sanitizing", "sanitising", "sanitization",
                       "content policy", "content policies", "regulations guidelines", "regulatory guidelines",
                       "core socialist", "banned topic", "banned topics", "avoid mention", "avoid any mention",
                       "avoid mentioning", "avoid any mentioning",
                       # the same request made of a query ("a censorship-safe alternative to this query")
                       "content regulation", "content regulations", "content review", "content filter",
                       "content filters", "content restrictions", "speech law", "speech laws", "sensitive query",
                       "sensitive queries", "sensitive question", "sensitive questions", "politically neutral",
                       "state approved", "government approved", "official position"),
                      "policy-compliant rewrite language"),
    "cue_visual": (("image", "picture", "photo", "screenshot", "screenshots", "screen", "click", "cursor"),
                   "refers to an image or screen"),
    "cue_code": (("```", "def", "function", "python", "javascript", "code", "class"), "code"),
    # structure of data production, not its topic: the prompt treats prompts/responses/tasks as objects,
    # demands a bare output, or sets up a persona for the model
    "cue_about_outputs": (("the response", "the responses", "the answer", "the answers", "the output", "the outputs",
                           "the assistant", "ai assistant", "ai assistants", "the ai", "language model",
                           "language models", "the model", "the chatbot", "ai system", "ai systems",
                           "model's response", "assistant's answer", "assistant's response"),
                          "talks about model outputs"),
    "cue_about_prompts": (("given prompt", "given instruction", "given question", "given task", "original prompt",
                           "original instruction", "original question", "new prompt", "new instruction",
                           "the prompt", "the instruction", "the instructions", "user instruction", "user question",
                           "user's question", "user query", "the query", "following prompt", "following instruction",
                           "following task", "following question", "the task", "each task", "each question",
                           "each example", "each instruction"),
                          "talks about prompts or tasks"),
    "cue_bare_output": (("output only", "only output", "respond only", "only respond", "return only", "only return",
                         "reply only", "only reply", "answer only", "only answer", "only the", "nothing else",
                         "no explanation", "without explanation", "without any explanation", "do not explain",
                         "don't explain", "do not add", "do not include", "don't include", "do not provide",
                         "do not output", "do not write", "in the following format", "use the following format",
                         "in this format", "the format", "format:", "output:", "answer:"),
                        "demands a bare, formatted output"),
    "cue_persona": (("you are a", "you are an", "you are the", "act as", "acting as", "your task is", "your job is",
                     "your goal is", "your role is", "you will be given", "you will be provided", "you are given",
                     "you are provided", "in character", "stay in character", "role play", "roleplay",
                     "pretend to be", "pretend you are", "imagine you are"),
                    "sets up a persona or task for the model"),
    "cue_few_shot": (("example 1", "example 2", "examples:", "example:", "here are a few", "here are some",
                      "here are examples", "few examples", "some examples", "below are", "for your reference",
                      "for reference", "as follows", "sample 1", "input 1"),
                     "gives worked examples to imitate"),
    "cue_diversity": (("diverse", "diversity", "random", "randomly", "unique", "variety", "varied",
                       "do not repeat", "don't repeat", "not repeat", "avoid repeating", "different topics",
                       "wide range", "each one", "each item"),
                      "asks for varied items"),
    "cue_fiction_setup": (("characters", "character card", "scenario", "the setting", "chat between",
                           "conversation between", "dialogue between", "the following characters", "the scene",
                           "backstory", "persona"),
                          "sets up characters or a scenario"),
    "cue_chat_markup": (("<|im_start|>", "<|im_end|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>",
                         "<|begin_of_text|>", "<|user|>", "<|assistant|>", "<|system|>", "<|endoftext|>", "[inst]", "[/inst]", "### human", "### assistant", "# user:",
                         "# assistant:", "human:", "assistant:", "user:", "ai:"),
                        "raw chat-template markup"),
}
# "asks for a batch of items": a verb, then within 4 words a quantity, then within 4 words (adjectives, maybe
# comma-separated) an item noun
BATCH_VERBS = ("generate", "create", "write", "produce", "with", "list", "give",   # "come up with", "give me"
               "brainstorm", "compose", "devise", "draft", "invent", "develop", "construct")
BATCH_QUANTITIES = ("several", "multiple", "diverse", "set", "list", "few", "many", "different", "two", "three",
                    "four", "five", "six", "seven", "eight", "nine", "ten", "twenty", "dozen", "hundred", "batch",
                    "series", "collection")
BATCH_NOUNS = ("examples", "tasks", "instructions", "questions", "prompts", "items", "samples", "pairs", "problems",
               "conversations", "dialogues", "rows", "queries", "statements", "entries", "records", "instances",
               "triples", "triplets", "utterances")
CUE_NAMES: tuple[str, ...] = (*PHRASES, "cue_batch")
CUE_PHRASE = {**{k: v[1] for k, v in PHRASES.items()}, "cue_batch": "asks for a batch of items"}
# topic cues (what the prompt is about) are left out of the count of production cues
_TOPIC_CUES = ("cue_code", "cue_visual")
