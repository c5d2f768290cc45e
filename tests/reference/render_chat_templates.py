#!/usr/bin/python3
"""Renders chat templates of the kinds models ship with Jinja2 as transformers configures it (a sandboxed
environment with trim_blocks and lstrip_blocks, raise_exception, tojson, tools and documents None), for conversations of several shapes, and writes
tests/reference/chat_templates.json. The C++ renderer (core/preferences/chattemplate) must give the same text.

Run with Debian's python3-jinja2:  /usr/bin/python3 tests/reference/render_chat_templates.py
"""
import json
import os

from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))

TEMPLATES = {
    # ChatML, as Qwen2 writes it
    "chatml": "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
              "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
              "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
              "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
    # Zephyr / TinyLlama-chat: a line per tag, which trim_blocks and lstrip_blocks clean up
    "zephyr": "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\\n' + message['content'] + eos_token }}\n"
              "{% elif message['role'] == 'system' %}\n{{ '<|system|>\\n' + message['content'] + eos_token }}\n"
              "{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n"
              "{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}",
    # LLaMA-2 chat: the system prompt folded into the first user turn, alternation enforced, slices
    "llama2": "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
              "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
              "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
              "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
              "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
              "{% if loop.index0 == 0 and system_message != false %}"
              "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
              "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}"
              "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
              "{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
    # Whitespace control, namespace, filters, tests and inline conditionals
    "controls": "{{- bos_token }}\n{%- set ns = namespace(system='', turns=0) %}\n{%- for m in messages %}\n"
                "    {%- if m.role == 'system' %}{% set ns.system = m.content | trim %}{% continue_marker %}"
                .replace("{% continue_marker %}", "") +
                "\n    {%- else %}\n        {%- set ns.turns = ns.turns + 1 %}\n"
                "[{{ loop.index }}/{{ loop.length }}] {{ m.role | upper }}{{ ' (' ~ ns.system ~ ')' if ns.system else '' }}: "
                "{{ m['content'] }}\n    {%- endif %}\n{%- endfor %}\n"
                "{%- if add_generation_prompt %}\n[{{ ns.turns + 1 }}] ASSISTANT:{% endif %}"
                "{% if tools is defined %}TOOLS{% endif %}{{ '' if 'x' in 'xyz' else 'no' }}",
    # Operators, filters, tests, slices, escapes and values as Jinja prints them
    "expressions": "{{ '<' ~ 1 + 1 ~ '>' }}|{{ 1 + 1 is number }}|{{ -1|string }}|{{ messages[::-1][0].role }}|"
                   "{{ messages[-1:0:-1]|length }}|{{ 'x \\n'.rstrip('\\n') ~ '--x--'.strip('-') }}|{{ 0.1 }} {{ 1e16 }} "
                   "{{ 2.5 * 2 }} {{ 7 // -2 }} {{ -7 % 3 }}|{{ 'a\\sb' }} {{ '\\x41\\u00e9' }}|{{ [1, 2][5] }}|"
                   "{{ ['a\\nb', \"it's\"] }}|{{ messages[0] | tojson }}|{{ range(0, 10, 3) | list }}|"
                   "{{ ' a  b '.split() }}{{ 'a,b'.split(',') }}|{{ tools is none }}{{ documents is defined }}\n"
                   "{% for m in messages if m.role == 'user' %}{{ loop.index }}/{{ loop.length }}={{ m.content }} {% endfor %}\n"
                   "{% if true +%}\nkept{% endif %}\n",
    # lstrip_blocks on indented tags, comments and the + marker
    "indented": "{# a comment #}\n{% for message in messages %}\n    {% if message.role == 'assistant' %}\n"
                "  A: {{ message.content }}\n    {% else %}\n  {{ message.role[0] | upper }}: {{ message.content }}\n"
                "    {%+ endif %}\n{% endfor %}\n{% if add_generation_prompt %}  A:{% endif %}",
}

CONVERSATIONS = [
    [{"role": "user", "content": "Hi"}],
    [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": " 4 "}],
    [{"role": "system", "content": " Be kind. "}, {"role": "user", "content": "Help"},
     {"role": "assistant", "content": "Sure."}, {"role": "user", "content": "Thanks"}],
    [{"role": "user", "content": "one"}, {"role": "user", "content": "two"}],
]


def main():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)

    def tojson(value):  # transformers' filter: json.dumps with ensure_ascii=False
        return json.dumps(value, ensure_ascii=False)

    env.filters["tojson"] = tojson

    def raise_exception(message):
        raise TemplateError(message)

    env.globals["raise_exception"] = raise_exception
    out = []
    for name, source in TEMPLATES.items():
        template = env.from_string(source)
        cases = []
        for messages in CONVERSATIONS:
            for generation in (False, True):
                case = {"messages": messages, "add_generation_prompt": generation}
                try:
                    case["output"] = template.render(messages=messages, add_generation_prompt=generation,
                                                     bos_token="<s>", eos_token="</s>", tools=None, documents=None)
                except TemplateError as e:
                    case["error"] = str(e)
                cases.append(case)
        out.append({"name": name, "template": source, "bos_token": "<s>", "eos_token": "</s>", "cases": cases})
    with open(os.path.join(HERE, "chat_templates.json"), "w") as f:
        json.dump({"templates": out}, f, indent=1)
        f.write("\n")
    print(f"{len(out)} templates, {sum(len(t['cases']) for t in out)} renderings")


if __name__ == "__main__":
    main()
