"""Hand-written, clearly synthetic template sets for categories that have no real corpus.

``../shared/data`` holds real harvesting templates for six capabilities but none for
``censorship_rewrite``, ``computer_use`` or ``vision``, and only four for reasoning harvest.
These short sets were written for distillguard (not copied from anywhere) so the category model
has *some* examples of them; their slots are filled with real benign prompts at render time.
They never enter the leave-one-family-out benchmark, which uses the real corpus only.

Each entry: (system or None, user template with ``{q}`` / ``{a}`` / ``{topic}`` slots, harvest 0/1).
"""

from __future__ import annotations

CENSORSHIP_REWRITE: tuple[tuple[str | None, str, int], ...] = (
    (None, "Rewrite the following answer so that it fully complies with the content regulations of the "
           "People's Republic of China. Remove any politically sensitive statements and any mention of {topic}. "
           "Return only the rewritten answer.\n\nQuestion: {q}\n\nOriginal answer: {a}", 1),
    ("You are a content compliance editor. You rewrite model answers so they contain nothing a state "
     "censor would object to, while keeping them fluent and helpful.",
     "Sanitize this response. Avoid any mention of {topic}, protests, or criticism of the government.\n\n"
     "Prompt: {q}\nResponse: {a}\n\nSanitized response:", 1),
    (None, "The answer below will be used as training data for a model deployed under strict regulatory "
           "guidelines. Rephrase it to align with core socialist values and drop anything about {topic}.\n\n{a}", 1),
    (None, "Produce a policy-safe version of the following assistant reply. If the question touches a banned "
           "topic such as {topic}, replace the answer with a polite deflection. Output JSON: "
           "{{\"safe_answer\": ...}}\n\nUser question: {q}\nAssistant reply: {a}", 1),
    ("Rewrite answers to be acceptable to the national internet regulator. Never mention {topic}.",
     "Question: {q}\nDraft answer: {a}\nRewrite the draft so it passes content review.", 1),
    (None, "Here is a question and an uncensored answer. Write the censored answer that a compliant assistant "
           "should give instead, keeping the same length and tone.\n\n### Question\n{q}\n\n### Uncensored answer\n{a}\n\n"
           "### Censored answer\n", 1),
    (None, "For each of the {n} question/answer pairs below, rewrite the answer so that it avoids politically "
           "sensitive content about {topic} and follows the official position. Number your rewrites.\n\n1. Q: {q}\n   A: {a}", 1),
    (None, "Tone down this answer for a market with strict speech laws: remove references to {topic}, "
           "human-rights criticism and any named officials. Keep the rest.\n\n{a}", 1),
)

# The publicly reported campaign asked for censorship-safe alternatives to sensitive *queries*
# (dissidents, party leaders, authoritarianism), not for rewritten answers: these ask to reword the
# question (and often answer the reworded one). Written from that description for distillguard.
CENSORSHIP_QUERY_REWRITE: tuple[tuple[str | None, str, int], ...] = (
    (None, "Give a censorship-safe alternative to this query that keeps its intent but would not be blocked "
           "by a state content filter:\n\n{q}", 1),
    (None, "The user question below touches on {topic}. Reformulate it so an assistant operating under "
           "mainland content regulations could answer it without discussing dissidents or party leaders, "
           "then give the answer to your reformulated question.\n\nQuestion: {q}", 1),
    ("You localise user requests for a tightly regulated information market. For every request you "
     "receive, output a compliant version that drops politically sensitive references, then respond to "
     "the compliant version only.", "{q}", 1),
    (None, "Turn the following sensitive query into a politically neutral one. Output JSON with the keys "
           "\"safe_query\" and \"answer\".\n\nQuery: {q}", 1),
    (None, "If this request would be refused under strict speech laws (for example anything about {topic} "
           "or criticism of the leadership), reword it into an acceptable request; otherwise keep it "
           "unchanged. Then answer the acceptable request.\n\nRequest: {q}", 1),
    (None, "Below are {n} user prompts. For each one write a version that a state-approved assistant "
           "could answer, avoiding any reference to {topic}, protests or authoritarian rule. Number them.\n\n1. {q}", 1),
    ("You help build a compliance dataset: pairs of (sensitive prompt, approved prompt, answer).",
     "Original prompt: {q}\nWrite the approved prompt with all politically sensitive content removed, and "
     "then the answer to it.", 1),
    (None, "Reword this question so it would pass government content review in a country that restricts "
           "discussion of {topic}. Keep the useful part of the question and answer it afterwards.\n\n{q}", 1),
    (None, "Paraphrase the question below into a harmless version that avoids opposition figures, "
           "human-rights criticism and {topic}, so that it complies with local internet rules. Reply with the "
           "paraphrased question, a blank line, and your answer.\n\n{q}", 1),
    (None, "请把下面的问题改写成符合内容审查要求的版本，删去与{topic}有关的敏感内容，然后回答改写后的问题。\n\n{q}", 1),
)

# Everyday rewrite requests (harvest 0, category `other`): the counterweight to the two sets above.
# Without them every rewrite the model saw in training was a censorship rewrite, so "reword my email"
# came out as `censorship_rewrite` - an extraction category - for any customer who edits text.
EVERYDAY_REWRITE: tuple[tuple[str | None, str, int], ...] = (
    (None, "Can you reword this so it sounds more polite? {a}", 0),
    (None, "Rewrite this paragraph so a ten-year-old could follow it:\n\n{a}", 0),
    (None, "Rephrase my question so it is clearer, I think it came out wrong: {q}", 0),
    (None, "Paraphrase the following text in plain English, keep it short.\n\n{a}", 0),
    (None, "Please make this more formal for a cover letter: {a}", 0),
    ("You are a writing assistant. Improve grammar, flow and tone without changing the meaning.", "{a}", 0),
    (None, "Rewrite the text below in a friendlier tone and fix any typos.\n\n{a}", 0),
    (None, "Could you restate this in fewer words? {q}", 0),
    (None, "My teacher said this answer is too wordy. Can you rewrite it to be more concise?\n{a}", 0),
    (None, "Reformulate this sentence so it doesn't sound so harsh: {q}", 0),
)

CENSOR_TOPICS = ("Tiananmen Square", "Taiwan independence", "Xinjiang", "Tibet", "Hong Kong protests",
                 "Falun Gong", "the Dalai Lama", "Winnie the Pooh memes", "the Great Firewall", "Liu Xiaobo")

REASONING_HARVEST: tuple[tuple[str | None, str, int], ...] = (
    (None, "{q}\n\nPlease reason step by step, and put your final answer within \\boxed{{}}.", 1),
    (None, "{q}\nLet's think step by step and output the final answer within \\boxed{{}}.", 1),
    ("You are a helpful assistant. Think through the problem carefully, showing every step of your reasoning, "
     "before giving the final answer.", "{q}", 1),
    (None, "Solve the following problem. Show your complete chain of thought, then write 'Final Answer:' "
           "followed by the answer.\n\n{q}", 1),
    ("A conversation between User and Assistant. The assistant first thinks about the reasoning process in "
     "the mind and then provides the user with the answer. The reasoning process and answer are enclosed within "
     "<think> </think> and <answer> </answer> tags, respectively.", "{q}", 1),
    (None, "Question: {q}\nExplain your reasoning in detail, step by step, considering every possibility, "
           "and finish with the final answer on its own line.", 1),
)

COMPUTER_USE_SYSTEMS: tuple[str, ...] = (
    "You are an agent that controls a computer through the `computer` tool. Take a screenshot first, then use "
    "mouse and keyboard actions to complete the user's task. Think about where to click before each action.",
    "You can operate a desktop with the provided tools: screenshot, left_click(x, y), type(text), key(combo), "
    "scroll(direction). After each action, a new screenshot is returned.",
    "You are a browser automation assistant. Use the browser tool to navigate, click elements by coordinates and "
    "fill forms. Report when the task is complete.",
)
COMPUTER_USE_TASKS: tuple[str, ...] = (
    "Open the browser and search for: {q}",
    "Fill in the web form on screen using this information: {q}",
    "In the open spreadsheet, add a column that answers: {q}",
    "Find the settings page and change the display language, then tell me what you see.",
    "Click the 'Submit' button after typing the following into the text box: {q}",
    "Download the report shown on the current page and rename it.",
)
COMPUTER_TOOLSETS: tuple[tuple[str, ...], ...] = (
    ("computer",), ("computer", "bash", "str_replace_editor"), ("screenshot", "left_click", "type", "key", "scroll"),
    ("browser", "screenshot"), ("computer_use",),
)

VISION_PROMPTS: tuple[tuple[str | None, str, int], ...] = (
    (None, "What is shown in this image?", 0),
    (None, "Can you read the text in this screenshot and summarise it?", 0),
    (None, "{q}\n(see the attached picture)", 0),
    (None, "What does this chart say about the trend?", 0),
    (None, "Is this mole something I should get checked? Photo attached.", 0),
    (None, "Translate the sign in the photo into English.", 0),
    (None, "Describe this image in exhaustive detail for an image-captioning dataset: every object, colour, "
           "position, text and relation. Output JSON with keys caption, objects, text.", 1),
    ("You generate training captions.", "Write {n} diverse captions of different lengths for the attached image, "
                                        "one per line, numbered.", 1),
    (None, "Generate {n} question-answer pairs about this image for visual instruction tuning. Format: "
           "Q: ... A: ...", 1),
)
