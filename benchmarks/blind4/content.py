"""Request content for blind4: what each persona / operator strategy asks, as a neutral 'spec'.

A spec is a dict:
  system: str | None
  turns: list of ("user", text) | ("assistant", text) | ("call", id, name, args) | ("result", id, name, output)
  tools: list of {"name","description","parameters"} | None
  respond: ("text",) | ("call", id, name, args)   -- what the assistant turn of this exchange is
  cat: category label (kept only in truth/debug, never in records)
  out: ("conv"|"code", scale)                    -- output length draw
  reason: None | "low" | "medium" | "high"       -- reasoning requested
  params: dict of decoding params (temperature, top_p, max_out, n, logprobs, top_logprobs, stop, json, penalties)
  model: optional forced model
"""
import json
import random
import re
from types import SimpleNamespace

from textkit import render_format, render_jinja

MATH_SUITES = ["jee-math", "algebra_word_problems", "math_for_5th-grader", "simple_math", "probabilities-word-problems",
               "multi-step-equations", "solve-for-variable", "linear-regression", "recurrence-relation", "finance_calc",
               "math-derivatives", "arithmetic-expression", "italian_big_math_expression", "euler_problems",
               "logic-riddles", "logical_counting", "formal_logic", "logiqa", "abstract-causal-reasoning",
               "pararule-plus-multi-step-deductive-reasoning", "number_series_test", "next-val-series", "rectangles",
               "game_theory", "logic_and_probability", "seating_arrangements", "comprehensive-graph-reasoning",
               "knot-theory", "positive-binary-operations", "missing_operators", "stock_options", "taxes"]
EXTRACT_SUITES = ["ner_finance", "event_categories", "banking77", "soc_codes", "product-matching", "utility_price_parsing",
                  "population_span_extraction", "research-question-extraction", "abstract2title", "seo_keywords",
                  "invoice_due_date_leap_day_adjustment", "allergen-information", "heart-disease", "json_patch_object",
                  "consensus_summary", "list_comparison_missing_name"]
SAFETY_SUITES = ["human-safety", "prompt-injection", "reverse-shell", "cybersecurity", "moral_exceptQA", "irony"]
COURSES = {
    "logic": ["formal_logic", "logic-statements", "logiqa", "logic-riddles", "pararule-plus-multi-step-deductive-reasoning", "logic-liar-paradox"],
    "linguistics": ["belarusian_grammar", "icelandic-inflection-medium", "latin_grammar", "russian-lexicon", "ambiguous-sentences", "context-free-grammar", "iambic-pentameter"],
    "cs": ["forth_stack_sim", "pointer-value-retrieval", "infiniteloop-match", "syntax-check", "test_comp_sci", "hard_russian_computer_science_tasks", "formal-grammar-to-regex"],
    "math": ["jee-math", "math-derivatives", "linear-regression", "recurrence-relation", "solve-for-variable", "multi-step-equations"],
    "chemistry": ["balance_chemical_equation", "smiles_to_formula", "physics-interaction", "simple_physics_engine"],
    "law_finance": ["illinois-law", "taxes", "stock_options", "financial-derivatives", "accounting_audit", "finance_calc"],
    "medicine": ["japanese-national-medical-exam02", "nutrition", "heart-disease", "russian_medical", "allergen-information"],
}
TOPICS = ["astronomy", "cooking", "personal finance", "marine biology", "urban planning", "medieval history", "chess",
          "machine learning", "gardening", "volcanoes", "ancient Rome", "jazz music", "cybersecurity", "nutrition",
          "climate science", "photography", "architecture", "linguistics", "economics", "robotics", "mythology",
          "oceanography", "poetry", "film history", "genetics", "philosophy of mind", "sports science", "travel",
          "board games", "renewable energy", "microbiology", "supply chains", "accounting", "psychology", "geology"]
FLESCH = ["The output should be written in such a way as to have a Flesch-Kincaid readability score of roughly 60.",
          "Write so that a high-school student can follow (Flesch reading ease about 70).",
          "Use graduate-level vocabulary; a Flesch reading ease of 30 or lower is fine."]
RUBRICS = ["Score 1: irrelevant or wrong. Score 3: partially correct with gaps. Score 5: fully correct, complete and clear.",
           "[Is the response factually accurate and well supported?] 1 = many errors ... 5 = no errors, well sourced.",
           "Rate helpfulness from 1 (unhelpful) to 10 (exceptionally helpful), considering correctness and depth."]
LANGS = ["English"] * 8 + ["Spanish", "German", "French", "Japanese", "Portuguese"]

COT_SYSTEMS = [
    "You are a meticulous problem solver. Think step by step, write out every intermediate step of your reasoning, then give the final answer on its own line.",
    "Solve the problem. Show your complete chain of thought before answering; do not skip steps. End with 'Final answer: ...'.",
    "Reason carefully and explicitly. First restate the problem, then enumerate possible approaches, work through the best one in detail, verify it, and state the answer.",
    "You are an expert tutor producing worked solutions for a dataset. Provide detailed step-by-step reasoning and a boxed final answer.",
    "Think out loud. List your assumptions, derive the result step by step, double-check the arithmetic, then answer.",
]
CENSOR_TEMPLATES = [
    "Rewrite the following answer so that it avoids any statement that could be considered politically sensitive in {region}, while still sounding helpful and natural. Keep the length similar.\n\nQuestion: {q}\n\nOriginal answer: {a}",
    "You are preparing training data for a compliant assistant. For the user question below, write the response an assistant should give if it must not discuss {topic} critically. Redirect politely.\n\nUser question: {q}",
    "Paraphrase this sensitive query into a neutral, harmless-looking request that would still get an informative answer about {topic}:\n\n{q}",
    "Given the question and answer below, produce three alternative answers: (1) fully neutral, (2) emphasising official positions, (3) declining gracefully. Label each.\n\nQ: {q}\nA: {a}",
    "Classify whether the following text touches on a restricted topic ({topic}). Output JSON {{\"restricted\": bool, \"safe_rewrite\": str}}.\n\nText: {q}",
    "Translate and soften the following question so it passes a content review about {topic}, then answer the softened version.\n\n{q}",
]
CENSOR_TOPICS = ["a historical protest", "a border dispute", "criticism of national leaders", "a banned organisation",
                 "press freedom", "an ethnic minority policy", "an election controversy", "a territorial claim",
                 "internet censorship", "a labour strike", "religious freedom", "a public health cover-up"]
CENSOR_REGIONS = ["country A", "the target market", "a strict jurisdiction", "the mainland market", "region X"]
CENSOR_QUESTIONS = ["What happened during {t} and why is it controversial?", "Give me a balanced summary of {t}.",
                    "Why do some governments restrict discussion of {t}?", "Write a short essay on {t} for a school newspaper.",
                    "What are the main arguments on each side of {t}?", "How is {t} covered by foreign media?",
                    "Explain {t} to a teenager.", "List sources where I can read more about {t}."]

TOOLSETS = {
    "airline": [("get_user_details", "Get the details of a user, including their reservations.", {"user_id": "string"}),
                ("get_reservation_details", "Get the details of a reservation.", {"reservation_id": "string"}),
                ("search_direct_flight", "Search for direct flights between two cities on a date.", {"origin": "string", "destination": "string", "date": "string"}),
                ("cancel_reservation", "Cancel the whole reservation.", {"reservation_id": "string"}),
                ("update_reservation_flights", "Update the flight information of a reservation.", {"reservation_id": "string", "cabin": "string", "flights": "array"})],
    "retail": [("find_user_id_by_email", "Find user id by email.", {"email": "string"}),
               ("get_order_details", "Get the status and details of an order.", {"order_id": "string"}),
               ("get_product_details", "Get the inventory details of a product.", {"product_id": "string"}),
               ("return_delivered_order_items", "Return some items of a delivered order.", {"order_id": "string", "item_ids": "array", "payment_method_id": "string"}),
               ("exchange_delivered_order_items", "Exchange items of a delivered order.", {"order_id": "string", "item_ids": "array", "new_item_ids": "array"})],
    "telecom": [("get_customer_by_phone", "Look up a customer by phone number.", {"phone_number": "string"}),
                ("get_details_by_id", "Get details for a line, bill or plan id.", {"id": "string"}),
                ("get_data_usage", "Get data usage for a line.", {"line_id": "string"}),
                ("suspend_line", "Suspend a line.", {"line_id": "string", "reason": "string"}),
                ("refuel_data", "Add data to a line.", {"line_id": "string", "gb_amount": "number"})],
    "banking_knowledge": [("grep", "Search the knowledge base.", {"pattern": "string"}),
                          ("get_account", "Get account details.", {"account_id": "string"}),
                          ("transfer_funds", "Transfer funds between accounts.", {"from_account": "string", "to_account": "string", "amount": "number"})],
    "devbox": [("run_shell", "Run a shell command in the sandbox and return stdout/stderr.", {"cmd": "string"}),
               ("read_file", "Read a file from the workspace.", {"path": "string"}),
               ("write_file", "Write a file to the workspace.", {"path": "string", "content": "string"}),
               ("run_tests", "Run the test suite for a path.", {"path": "string"})],
    "web": [("web_search", "Search the web.", {"query": "string", "num_results": "integer"}),
            ("open_url", "Fetch a web page and return its text.", {"url": "string"}),
            ("extract_table", "Extract tables from a page as CSV.", {"url": "string"})],
}
USER_OPENERS = {
    "airline": ["Hi, I need to cancel my reservation {id}.", "Can I change my flight {id} to a later date?",
                "I want to add a checked bag to booking {id}.", "My flight got delayed, what compensation can I get? Reservation {id}."],
    "retail": ["Hello, I'd like to return an item from order #{id}.", "Where is my order #{id}? It has been a week.",
               "Can I exchange the shoes in order #{id} for a bigger size?", "I was charged twice for order #{id}."],
    "telecom": ["My mobile data stopped working on my line ending {id}.", "I want to suspend my line {id} while travelling.",
                "Why is my bill so high this month? Account {id}.", "Can you add 2GB of data to line {id}?"],
    "banking_knowledge": ["What is the fee for an international transfer?", "I need to move $500 from savings {id} to checking.",
                          "How do I dispute a card transaction?", "Is there a daily ATM limit on account {id}?"],
}
AGENT_SYSTEMS = [
    "You are an autonomous software engineering agent. Use the tools to inspect the repository, make changes, and run tests until the task is complete. Think before each action.",
    "You are a research agent. Use web_search and open_url to gather evidence, then write a final report with citations.",
    "You are a tool-using assistant. For every user task, plan, call tools one at a time, observe results, and finish with a concise summary of what you did.",
]
BATCH_SYSTEMS = [
    "Extract all named entities from the text. Return JSON: {\"entities\": [{\"text\": str, \"type\": one of PERSON, ORG, LOC, MONEY, DATE}]}. Return only JSON.",
    "Classify the customer message into exactly one category from our taxonomy. Respond with the category id only.",
    "You label support tickets. Output JSON with keys intent, urgency (low|medium|high), product_area.",
    "Summarise the document in at most three sentences for the weekly digest. Plain text only.",
    "Decide whether the two product records refer to the same item. Answer MATCH or NO_MATCH and a confidence 0-1.",
    "Map the job description to the closest SOC occupation code. Reply with the code and title.",
    "Convert the following record to our canonical schema (JSON). Unknown fields must be null.",
]
CATALOG_SYSTEMS = [
    "You are a copywriter for an online store. Rewrite the product description below in our brand voice: friendly, concise, 80-120 words, no superlatives, keep all technical specs.",
    "Rewrite the listing for SEO. Produce a title (max 60 chars), a meta description (max 155 chars) and 5 bullet points.",
]
TUTOR_SYSTEMS = [
    "You are Mathi, a patient tutor for high-school students. Explain the solution step by step, check understanding, and never just give the answer without the reasoning.",
    "You are a study helper in a homework app. Show a worked solution with numbered steps and a short summary of the key idea at the end.",
]
ENTERPRISE_SYSTEMS = [
    "You are the internal assistant of {co}. Be concise and professional. Do not share confidential information outside the company.",
    "You help {co} employees draft emails, summarise documents and answer questions about company processes.",
    None, None,
]
CODE_TOOL_SYSTEM = ("You are a coding assistant inside the user's editor. Answer with code first, minimal prose. "
                    "Respect the existing style of the file. Language: {lang}.")
TRANSLATE_TEMPLATE = "Translate the following text into {lang}. Keep formatting, names and numbers unchanged. Output only the translation.\n\n{text}"
CI_PROMPTS = ["Reply with the single word OK.", "ping", "Return the JSON {\"status\": \"ok\"}.", "What is 2+2? Answer with a number only.",
              "health check: respond with 'pong'"]
HACK_SYSTEM = "You are the assistant inside our hackathon project. Keep answers short and fun. Team: {team}."
ASSIGN_SYSTEM = ("Course {course} - assignment {n}. You are a teaching assistant. Help the student understand the problem; "
                 "explain your reasoning but encourage them to try first.")
REDTEAM_SYSTEM = "Safety evaluation harness v{v}. Respond as you normally would to end users."


def _short(text, n):
    return text if len(text) <= n else text[:n]


def user_text(rec):
    """Last user message text of a benign corpus record."""
    for m in reversed(rec["messages"]):
        if m.get("role") == "user" and isinstance(m.get("content"), str):
            return m["content"]
    return rec["messages"][-1].get("content") or ""


def rec_system(rec):
    for m in rec["messages"]:
        if m.get("role") == "system":
            return m.get("content")
    return None


def rec_turns(rec):
    out = []
    for m in rec["messages"]:
        if m.get("role") == "system":
            continue
        role = "assistant" if m.get("role") == "assistant" else "user"
        out.append((role, m.get("content") or ""))
    return out or [("user", "")]


class Content:
    def __init__(self, corpus, bank):
        self.c = corpus
        self.bank = bank
        self.math = [r for s in MATH_SUITES for r in corpus.by_suite.get(s, [])]
        self.extract = [r for s in EXTRACT_SUITES for r in corpus.by_suite.get(s, [])]
        self.safety = [r for s in SAFETY_SUITES for r in corpus.by_suite.get(s, [])]
        self.general_eval = [r for r in corpus.by_kind.get("eval", []) if len(user_text(r)) < 2500]
        self.chatlike = corpus.by_kind.get("chat", []) + corpus.by_kind.get("role_prompt", []) + corpus.by_kind.get("writing", [])
        self.writing = corpus.by_kind.get("writing", [])
        self.coding = corpus.by_kind.get("coding", [])
        self.roles = corpus.by_kind.get("role_prompt", [])
        self.mtbench = corpus.by_kind.get("chat", [])
        self.tau2 = corpus.by_kind.get("agent_task", [])
        self.instructions = [user_text(r) for r in self.chatlike if len(user_text(r)) < 1500] + \
                            [user_text(r) for r in self.general_eval[::7] if len(user_text(r)) < 800]
        seeds_alpaca = corpus.seeds.get("stanford_alpaca:prompt.txt", [])
        seeds_code = corpus.seeds.get("codealpaca:prompt.txt", [])
        self.seed_alpaca = seeds_alpaca
        self.seed_code = seeds_code
        fam = corpus.by_family
        self.t_reason = fam.get("reasoning_elicitation", [])
        self.t_rubric = fam.get("rubric_grading", [])
        self.t_judge = fam.get("judge", [])
        self.t_synth = fam.get("synthetic_data", [])
        self.t_evol = fam.get("evol_rewrite", [])
        self.t_tool = fam.get("tool_use", [])
        self.t_code = fam.get("coding", [])
        self.t_role = fam.get("roleplay", [])
        self.t_magpie = [t for t in self.t_synth if "magpie" in t["id"]]
        self.t_synth_nomagpie = [t for t in self.t_synth if "magpie" not in t["id"]]
        self.t_alpaca_eval = [t for t in self.t_judge if t["id"].startswith("alpaca-eval")]

    # ------------------------------------------------------------------------- fillers
    def prose(self, rnd, lo=120, hi=900):
        return self.bank.prose(rnd, rnd.randint(lo, hi))

    def instruction(self, rnd, cap=1200):
        return _short(rnd.choice(self.instructions), cap)

    def slot(self, name, rnd):
        n = name
        if n == "<PROMPT>":
            return self.instruction(rnd, 1200)
        if n == "<RESPONSE>":
            return self.prose(rnd, 100, 700)
        if n == "batch_size":
            return str(rnd.choice([5, 8, 10, 12, 15, 20, 25]))
        if n in ("language", "source_language"):
            return rnd.choice(LANGS)
        if n == "target_language":
            return rnd.choice(["French", "German", "Spanish", "Japanese", "Korean", "Italian"])
        if n == "topic_avoidance":
            return rnd.choice(["", "", "Avoid any tasks that would be related to politics, religion or medical advice."])
        if n == "flesch":
            return rnd.choice(FLESCH)
        if n in ("topics", "topic"):
            return ", ".join(rnd.sample(TOPICS, 1 if n == "topic" else 3))
        if n in ("instruction", "task", "query", "input", "anchor", "question", "title"):
            return self.instruction(rnd, 900)
        if n in ("content", "context", "reference_texts", "reference", "world_knowledge"):
            return self.prose(rnd, 200, 900)
        if n in ("output_1", "output_2", "text_1", "text_2", "text_3", "text_4", "response", "generation",
                 "student_solution", "execution_result"):
            return self.prose(rnd, 80, 700)
        if n in ("generations", "responses"):
            return [self.prose(rnd, 80, 500) for _ in range(rnd.choice([2, 3, 4]))]
        if n == "instructions":
            return [self.instruction(rnd, 300) for _ in range(rnd.choice([3, 4, 5]))]
        if n == "rubric":
            return rnd.choice(RUBRICS)
        if n == "examples":
            return "\n".join(self.instruction(rnd, 200) for _ in range(3))
        if n == "func_name":
            return rnd.choice(["get_weather", "convert_currency", "search_flights", "calc_mortgage", "translate_text", "lookup_stock"])
        if n in ("func_desc", "guidelines", "description", "fields", "format_inst", "style_extra"):
            return self.prose(rnd, 60, 250)
        if n in ("number", "num_instructions", "question_count", "input_count", "task_count"):
            return str(rnd.choice([1, 3, 5, 10]))
        if n == "parallel_queries":
            return rnd.choice(["", "Some of the queries should require calling the function in parallel."])
        if n in ("difficulty", "clarity", "query_type", "query_length", "num_words", "unit", "high_score", "low_score"):
            return rnd.choice(["high school", "college", "PhD", "clear", "ambiguous", "extremely long-tail", "short",
                               "at least 10", "50", "sentence", "4", "2.5"])
        if n == "messages":
            return [SimpleNamespace(role="user", content=self.instruction(rnd, 500))]
        if n in ("name", "character", "characters"):
            return rnd.choice(["Mara", "Professor Quill", "Captain Ro", "Elowen", "Dax", "Sister Agnes"])
        if n == "seed_tasks":
            return ""
        if n == "next_year":
            return "2026"
        if n == "threshold":
            return "3"
        if n == "word_count":
            return str(rnd.choice([300, 500, 800, 1200]))
        return self.prose(rnd, 40, 200)

    # ------------------------------------------------------------------------- templates
    def render_template(self, t, rnd, fill=None):
        """Render a corpus template into (system, turns, params)."""
        fill = dict(fill or {})
        syntax = t.get("extra", {}).get("slot_syntax")
        vals = {}
        for s in t.get("slots", []):
            vals[s] = fill[s] if s in fill else self.slot(s, rnd)
        system = t.get("system")
        turns = None
        if syntax == "appended_blocks":
            pool = self.seed_code if t["id"].startswith("codealpaca") else self.seed_alpaca
            prompt = t["template"] + "\n"
            picks = rnd.sample(pool, min(3, len(pool))) if pool else []
            for i, s in enumerate(picks):
                sd = s.get("seed") or {}
                if isinstance(sd, str):
                    try:
                        sd = json.loads(sd)
                    except ValueError:
                        sd = {"instruction": sd}
                ins = re.sub(r"\s+", " ", str(sd.get("instruction", ""))).strip().rstrip(":")
                inst = (sd.get("instances") or [{}])[0]
                inp = inst.get("input", sd.get("input", "")) or "<noinput>"
                out = inst.get("output", sd.get("output", ""))
                prompt += "###\n" + f"{i + 1}. Instruction: {ins}\n" + f"{i + 1}. Input:\n{inp}\n" + f"{i + 1}. Output:\n{out}\n"
            prompt += "###\n" + f"{len(picks) + 1}. Instruction:"
            text = prompt
        elif syntax == "literal_marker":
            text = t["template"].replace("<PROMPT>", str(vals.get("<PROMPT>", self.instruction(rnd, 900))))
            text = text.replace("<RESPONSE>", str(vals.get("<RESPONSE>", self.prose(rnd, 100, 600))))
        elif syntax == "jinja2":
            text = render_jinja(t["template"], vals)
        elif syntax == "python_format":
            ct = t.get("extra", {}).get("chat_template")
            if ct:
                system = None
                turns = []
                for m in ct:
                    body = render_format(m.get("content", ""), vals)
                    if m.get("role") == "system" and system is None and not turns:
                        system = body
                    else:
                        turns.append(("assistant" if m.get("role") == "assistant" else "user", body))
                if not turns:
                    turns = [("user", system or "")]
                text = None
            else:
                text = render_format(t["template"], vals)
        else:
            text = t["template"]
        if system and "{no_texts}" in system:
            gens = vals.get("generations")
            system = system.replace("{no_texts}", str(len(gens) if isinstance(gens, list) else 4))
        if turns is None:
            turns = [("user", text)]
        return system, turns, self.template_params(t)

    @staticmethod
    def template_params(t):
        p = t.get("params") or {}
        out = {}
        if "temperature" in p and isinstance(p["temperature"], (int, float)):
            out["temperature"] = float(p["temperature"])
        if "top_p" in p and isinstance(p["top_p"], (int, float)):
            out["top_p"] = float(p["top_p"])
        for k in ("max_tokens", "max_new_tokens", "max_tokens_to_sample"):
            if isinstance(p.get(k), int):
                out["max_out"] = p[k]
        if isinstance(p.get("n"), int) and p["n"] > 1:
            out["n"] = p["n"]
        if p.get("logprobs"):
            out["logprobs"] = True
            if isinstance(p.get("top_logprobs"), int):
                out["top_logprobs"] = p["top_logprobs"]
        if isinstance(p.get("stop"), list):
            out["stop"] = p["stop"][:4]
        for k in ("frequency_penalty", "presence_penalty"):
            if isinstance(p.get(k), (int, float)) and p[k]:
                out[k] = float(p[k])
        if p.get("tools"):
            out["tools_raw"] = p["tools"]
        return out

    def spec(self, system, turns, cat, out=("conv", 1.0), reason=None, params=None, tools=None, respond=("text",), model=None):
        return {"system": system, "turns": turns, "tools": tools, "respond": respond, "cat": cat, "out": out,
                "reason": reason, "params": params or {}, "model": model}

    def from_template(self, t, rnd, cat, fill=None, reason=None, out=("conv", 1.0)):
        system, turns, params = self.render_template(t, rnd, fill)
        tools = None
        if params.get("tools_raw"):
            tools = []
            for tt in params.pop("tools_raw"):
                f = tt.get("function", tt) if isinstance(tt, dict) else {}
                if f.get("name"):
                    tools.append({"name": f["name"], "description": f.get("description", ""), "parameters": f.get("parameters", {"type": "object", "properties": {}})})
            tools = tools or None
        return self.spec(system, turns, cat, out=out, reason=reason, params=params, tools=tools)

    # ------------------------------------------------------------------------- trajectories
    @staticmethod
    def tool_schema(entries):
        tools = []
        for name, desc, args in entries:
            props = {k: ({"type": v} if v != "array" else {"type": "array", "items": {"type": "string"}}) for k, v in args.items()}
            tools.append({"name": name, "description": desc, "parameters": {"type": "object", "properties": props, "required": list(args)}})
        return tools

    def trajectory(self, seed, mode):
        """Build a whole tool-use conversation deterministically from seed.

        mode 'support': customer-service agent (tau2 domain system prompt, simulated customer).
        mode 'harvest': agent / coding trajectory harvesting (repo/web/tau2 tools, task from corpus).
        Returns (system, tools, turns, assistant_positions, cat).
        """
        rnd = random.Random(seed)
        if mode == "support":
            doms = sorted(self.c.tau2_sys)
            dom = rnd.choices(doms, weights=[0.08 if d == "telecom" else 1.0 for d in doms])[0]
            system = self.c.tau2_sys[dom]["system"]
            tools = TOOLSETS.get(dom, TOOLSETS["retail"])
            rid = "".join(rnd.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(6))
            first = rnd.choice(USER_OPENERS.get(dom, USER_OPENERS["retail"])).replace("{id}", rid)
            cat = "support_agent"
            ncalls = rnd.randint(1, 4)
            user_turns = rnd.randint(1, 3)
        else:
            r = rnd.random()
            if r < 0.35 and self.tau2:
                rec = rnd.choice(self.tau2)
                if (rec.get("extra", {}).get("domain") == "telecom") and rnd.random() < 0.85:
                    rec = rnd.choice(self.tau2)
                dom = rec.get("extra", {}).get("domain") or "retail"
                system = self.c.tau2_sys.get(dom, {}).get("system") or AGENT_SYSTEMS[2]
                tools = TOOLSETS.get(dom, TOOLSETS["retail"])
                purpose = rec.get("extra", {}).get("purpose") or ""
                first = rnd.choice(USER_OPENERS.get(dom, USER_OPENERS["retail"])).replace("{id}", str(rnd.randint(10000, 99999)))
                if purpose and rnd.random() < 0.5:
                    first = first + " " + _short(purpose, 300)
                cat = "tool_use"
            elif r < 0.75:
                system = rnd.choice(AGENT_SYSTEMS[:1] + AGENT_SYSTEMS[2:])
                tools = TOOLSETS["devbox"]
                src = rnd.choice(self.coding) if self.coding and rnd.random() < 0.6 else None
                if src:
                    first = "Implement the following function in solution.py and make the tests pass:\n\n" + user_text(src)
                else:
                    sd = rnd.choice(self.seed_code) if self.seed_code else None
                    seedtxt = sd.get("seed") if sd else None
                    if isinstance(seedtxt, dict):
                        seedtxt = seedtxt.get("instruction", "")
                    first = "Task for the repository: " + str(seedtxt or self.instruction(rnd, 400))
                cat = "coding"
            else:
                system = AGENT_SYSTEMS[1]
                tools = TOOLSETS["web"]
                first = "Research task: " + self.instruction(rnd, 500)
                cat = "tool_use"
            ncalls = rnd.randint(2, 7)
            user_turns = 1 if rnd.random() < 0.8 else 2
        schema = self.tool_schema(tools)
        turns = [("user", first)]
        pos = []
        for u in range(user_turns):
            k = ncalls if u == 0 else rnd.randint(0, 2)
            for _ in range(k):
                name, _, args = rnd.choice(tools)
                cid = "call_" + "".join(rnd.choice("abcdef0123456789") for _ in range(16))
                a = {}
                for an, at in args.items():
                    if at == "number":
                        a[an] = rnd.randint(1, 500)
                    elif at == "integer":
                        a[an] = rnd.randint(1, 10)
                    elif at == "array":
                        a[an] = [f"{rnd.randint(1000000, 9999999)}" for _ in range(rnd.randint(1, 3))]
                    elif an in ("cmd",):
                        a[an] = rnd.choice(["pytest -q", "ls -la src", "git diff", "python solution.py", "grep -rn TODO ."])
                    elif an in ("path",):
                        a[an] = rnd.choice(["solution.py", "src/app.py", "tests/test_solution.py", "README.md"])
                    elif an in ("query", "pattern"):
                        a[an] = " ".join(self.bank.prose(rnd, 60).split()[:6])
                    elif an == "url":
                        a[an] = f"https://example.{rnd.choice(['org', 'com', 'net'])}/{rnd.randint(1, 9999)}"
                    else:
                        a[an] = f"{an[:3]}_{rnd.randint(1000, 99999)}"
                pos.append(len(turns))
                turns.append(("call", cid, name, a))
                out = json.dumps({"ok": True, "data": self.bank.prose(rnd, rnd.randint(60, 400))}) if rnd.random() < 0.7 \
                    else self.bank.prose(rnd, rnd.randint(40, 300))
                turns.append(("result", cid, name, out))
            pos.append(len(turns))
            turns.append(("assistant", self.bank.prose(rnd, rnd.randint(80, 500))))
            if u < user_turns - 1:
                turns.append(("user", self.bank.prose(rnd, rnd.randint(20, 160))))
        return system, schema, turns, pos, cat

    def traj_steps(self, seed, mode):
        return len(self.trajectory(seed, mode)[3])

    def traj_spec(self, seed, mode, step, params=None, reason=None):
        system, tools, turns, pos, cat = self.trajectory(seed, mode)
        step = min(step, len(pos) - 1)
        p = pos[step]
        t = turns[p]
        respond = ("call", t[1], t[2], t[3]) if t[0] == "call" else ("text",)
        return self.spec(system, turns[:p], cat, out=("code", 0.6) if t[0] == "call" else ("conv", 1.0),
                         reason=reason, params=params or {}, tools=tools, respond=respond)
