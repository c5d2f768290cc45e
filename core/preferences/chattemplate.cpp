#include "preferences/chattemplate.h"

#include "preferences/jinja.h"

#include "util/errors.h"
#include "util/inputfile.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <variant>

namespace shiftscope {

namespace {

using namespace jinja;

constexpr const char *kFix = "convert the conversations with ShiftScope's documented template (leave out "
                             "--chat-template), or give a model folder whose template the importer can render";

// ---- evaluation -------------------------------------------------------------------------------------------------

class Renderer {
public:
    Renderer(const std::string &origin, std::vector<Map> scopes) : m_origin(origin), m_scopes(std::move(scopes)) {}

    void run(const std::vector<TemplateStep> &body, std::string &out)
    {
        for (const TemplateStep &s : body) {
            // A bounded amount of work and output: a template renders one conversation.
            if (++m_steps > 1'000'000 || out.size() > (std::size_t(64) << 20))
                fail("rendering one conversation takes more than a million steps or 64 MiB");
            switch (s.kind) {
            case TemplateStep::Text: out += s.text; break;
            case TemplateStep::Output: out += toText(eval(*s.expr)); break;
            case TemplateStep::If:
                for (const auto &[condition, arm] : s.arms)
                    if (!condition || truthy(eval(*condition))) {
                        run(arm, out);
                        break;
                    }
                break;
            case TemplateStep::For: loop(s, out); break;
            case TemplateStep::Set: {
                Value value = eval(*s.expr);
                if (s.targets.size() == 1) {
                    assign(m_scopes.back(), s.targets[0], std::move(value));
                } else {
                    const Value target = lookup(s.targets[0]);
                    if (!target.asMap())
                        fail("'" + s.targets[0] + "' is " + kindOf(target) + ", not a namespace");
                    assign(*target.asMap(), s.targets[1], std::move(value));
                }
                break;
            }
            }
        }
    }

private:
    [[noreturn]] void fail(const std::string &message) const
    {
        throw InputError(InputProblem{m_origin, "chat_template", message, kFix});
    }

    static void assign(Map &scope, const std::string &name, Value value)
    {
        for (auto &[k, v] : scope)
            if (k == name) {
                v = std::move(value);
                return;
            }
        scope.emplace_back(name, std::move(value));
    }

    Value lookup(const std::string &name) const
    {
        for (auto it = m_scopes.rbegin(); it != m_scopes.rend(); ++it)
            for (const auto &[k, v] : *it)
                if (k == name)
                    return v;
        return Undefined{name};
    }

    void loop(const TemplateStep &s, std::string &out)
    {
        const Value iterable = eval(*s.expr);
        List items;
        if (const List *l = iterable.asList())
            items = *l;
        else if (const Map *m = iterable.asMap())
            for (const auto &[k, v] : *m)
                items.push_back(Value(k));
        else if (iterable.isString())
            for (char c : iterable.str())
                items.push_back(Value(std::string(1, c)));
        else if (!iterable.isUndefined() && !std::holds_alternative<None>(iterable.v))
            fail("'{% for %}' over " + kindOf(iterable));
        if (items.empty()) {
            run(s.orElse, out);
            return;
        }
        const auto n = std::int64_t(items.size());
        for (std::int64_t i = 0; i < n; ++i) {
            Map scope;
            if (s.targets.size() == 1) {
                scope.emplace_back(s.targets[0], items[std::size_t(i)]);
            } else {
                const List *tuple = items[std::size_t(i)].asList();
                if (!tuple || tuple->size() != s.targets.size())
                    fail("'{% for %}' cannot unpack " + kindOf(items[std::size_t(i)]));
                for (std::size_t k = 0; k < s.targets.size(); ++k)
                    scope.emplace_back(s.targets[k], (*tuple)[k]);
            }
            scope.emplace_back("loop", Value::map({{"index", Value(i + 1)},
                                                   {"index0", Value(i)},
                                                   {"revindex", Value(n - i)},
                                                   {"revindex0", Value(n - i - 1)},
                                                   {"first", Value(i == 0)},
                                                   {"last", Value(i == n - 1)},
                                                   {"length", Value(n)}}));
            m_scopes.push_back(std::move(scope));
            run(s.body, out);
            m_scopes.pop_back();
        }
    }

    std::int64_t integer(const Value &v, const char *what) const
    {
        if (const auto *i = std::get_if<std::int64_t>(&v.v))
            return *i;
        fail(std::string(what) + " is " + kindOf(v) + ", not an integer");
    }

    Value index(const Value &container, const Value &key) const
    {
        if (const List *l = container.asList()) {
            std::int64_t i = integer(key, "a list index");
            if (i < 0)
                i += std::int64_t(l->size());
            if (i < 0 || i >= std::int64_t(l->size()))
                fail("list index " + toText(key) + " is out of range");
            return (*l)[std::size_t(i)];
        }
        if (container.isString()) {
            std::int64_t i = integer(key, "a string index");
            const auto size = std::int64_t(container.str().size());
            if (i < 0)
                i += size;
            if (i < 0 || i >= size)
                fail("string index " + toText(key) + " is out of range");
            return Value(std::string(1, container.str()[std::size_t(i)]));
        }
        if (container.asMap() && key.isString()) {
            const Value *v = container.field(key.str());
            return v ? *v : Value(Undefined{key.str()});
        }
        return Undefined{toText(key)};
    }

    Value slice(const Value &container, const Value &from, const Value &to) const
    {
        auto bounds = [&](std::int64_t size) {
            auto clamp = [&](const Value &v, std::int64_t fallback) {
                if (std::holds_alternative<Undefined>(v.v) || std::holds_alternative<None>(v.v))
                    return fallback;
                std::int64_t i = integer(v, "a slice bound");
                if (i < 0)
                    i += size;
                return std::clamp<std::int64_t>(i, 0, size);
            };
            const std::int64_t a = clamp(from, 0), b = clamp(to, size);
            return std::pair{a, std::max(a, b)};
        };
        if (const List *l = container.asList()) {
            const auto [a, b] = bounds(std::int64_t(l->size()));
            return Value::list(List(l->begin() + a, l->begin() + b));
        }
        if (container.isString()) {
            const auto [a, b] = bounds(std::int64_t(container.str().size()));
            return Value(container.str().substr(std::size_t(a), std::size_t(b - a)));
        }
        fail("cannot slice " + kindOf(container));
    }

    static std::string strip(const std::string &s, bool left, bool right)
    {
        const char *ws = " \t\r\n\f\v";
        const std::size_t b = left ? s.find_first_not_of(ws) : 0;
        if (b == std::string::npos)
            return {};
        const std::size_t e = right ? s.find_last_not_of(ws) : s.size() - 1;
        return s.substr(b, e - b + 1);
    }

    Value method(const Value &self, const std::string &name, const List &args) const
    {
        if (self.isString()) {
            const std::string &s = self.str();
            if (name == "strip" || name == "lstrip" || name == "rstrip")
                return Value(strip(s, name != "rstrip", name != "lstrip"));
            if (name == "upper" || name == "lower") {
                std::string r = s;
                for (char &c : r)
                    c = char(name == "upper" ? std::toupper(static_cast<unsigned char>(c))
                                             : std::tolower(static_cast<unsigned char>(c)));
                return Value(r);
            }
            if ((name == "startswith" || name == "endswith") && args.size() == 1 && args[0].isString()) {
                const std::string &x = args[0].str();
                return Value(name == "startswith" ? s.rfind(x, 0) == 0 : s.ends_with(x));
            }
            if (name == "split") {
                List parts;
                const std::string sep = args.empty() ? " " : toText(args[0]);
                std::size_t from = 0;
                for (std::size_t at; (at = s.find(sep, from)) != std::string::npos; from = at + sep.size())
                    parts.push_back(Value(s.substr(from, at - from)));
                parts.push_back(Value(s.substr(from)));
                return Value::list(std::move(parts));
            }
            if (name == "replace" && args.size() == 2) {
                std::string r = s;
                const std::string a = toText(args[0]), b = toText(args[1]);
                for (std::size_t at = 0; !a.empty() && (at = r.find(a, at)) != std::string::npos; at += b.size())
                    r.replace(at, a.size(), b);
                return Value(r);
            }
        }
        if (const Map *m = self.asMap()) {
            if (name == "get" && !args.empty() && args[0].isString()) {
                const Value *v = self.field(args[0].str());
                return v ? *v : args.size() > 1 ? args[1] : Value(None{});
            }
            if (name == "items" || name == "keys" || name == "values") {
                List out;
                for (const auto &[k, v] : *m)
                    out.push_back(name == "items" ? Value::list({Value(k), v}) : name == "keys" ? Value(k) : v);
                return Value::list(std::move(out));
            }
        }
        fail("the method " + name + "() of " + kindOf(self) + " is not implemented");
    }

    Value filter(const Node &n)
    {
        const Value v = eval(*n.kids[0]);
        List args;
        for (std::size_t i = 1; i < n.kids.size(); ++i)
            args.push_back(eval(*n.kids[i]));
        const std::string &f = n.text;
        if (f == "trim")
            return Value(strip(toText(v), true, true));
        if (f == "upper" || f == "lower")
            return method(Value(toText(v)), f, {});
        if (f == "string")
            return Value(toText(v));
        if (f == "length" || f == "count") {
            if (const List *l = v.asList())
                return Value(std::int64_t(l->size()));
            if (const Map *m = v.asMap())
                return Value(std::int64_t(m->size()));
            return Value(std::int64_t(toText(v).size()));
        }
        if (f == "default" || f == "d")
            return v.isUndefined() ? (args.empty() ? Value(std::string()) : args[0]) : v;
        if (f == "first" || f == "last") {
            const List *l = v.asList();
            if (!l || l->empty())
                return Undefined{f};
            return f == "first" ? l->front() : l->back();
        }
        if (f == "join") {
            const List *l = v.asList();
            if (!l)
                fail("join of " + kindOf(v));
            std::string r;
            for (std::size_t i = 0; i < l->size(); ++i)
                r += (i ? (args.empty() ? std::string() : toText(args[0])) : std::string()) + toText((*l)[i]);
            return Value(r);
        }
        if (f == "capitalize") {
            std::string r = toText(v);
            for (std::size_t i = 0; i < r.size(); ++i)
                r[i] = char(i ? std::tolower(static_cast<unsigned char>(r[i]))
                              : std::toupper(static_cast<unsigned char>(r[i])));
            return Value(r);
        }
        fail("the filter '" + f + "' is not implemented");
    }

    bool test(const Node &n)
    {
        const Value v = eval(*n.kids[0]);
        const std::string &t = n.text;
        bool result = false;
        if (t == "defined")
            result = !v.isUndefined();
        else if (t == "undefined")
            result = v.isUndefined();
        else if (t == "none")
            result = std::holds_alternative<None>(v.v);
        else if (t == "string")
            result = v.isString();
        else if (t == "number")
            result = v.isNumber();
        else if (t == "mapping")
            result = v.asMap() != nullptr;
        else if (t == "sequence" || t == "iterable")
            result = v.asList() || v.isString() || (t == "iterable" && v.asMap());
        else if (t == "true" || t == "false")
            result = std::holds_alternative<bool>(v.v) && std::get<bool>(v.v) == (t == "true");
        else
            fail("the test 'is " + t + "' is not implemented");
        return result != n.negated;
    }

    Value arithmetic(const std::string &op, const Value &a, const Value &b) const
    {
        if (op == "+" && a.isString() && b.isString())
            return Value(a.str() + b.str());
        if (op == "+" && a.asList() && b.asList()) {
            List joined = *a.asList();
            joined.insert(joined.end(), b.asList()->begin(), b.asList()->end());
            return Value::list(std::move(joined));
        }
        if (!a.isNumber() || !b.isNumber())
            fail("'" + op + "' of " + kindOf(a) + " and " + kindOf(b));
        const bool integers = std::holds_alternative<std::int64_t>(a.v) && std::holds_alternative<std::int64_t>(b.v);
        if (integers && op != "/") {
            const std::int64_t x = std::get<std::int64_t>(a.v), y = std::get<std::int64_t>(b.v);
            if ((op == "//" || op == "%") && y == 0)
                fail("division by zero");
            if (op == "+")
                return Value(x + y);
            if (op == "-")
                return Value(x - y);
            if (op == "*")
                return Value(x * y);
            const std::int64_t q = x / y - ((x % y != 0) && ((x < 0) != (y < 0)) ? 1 : 0); // floor division
            return op == "//" ? Value(q) : Value(x - q * y);
        }
        const double x = a.number(), y = b.number();
        if ((op == "/" || op == "//" || op == "%") && y == 0)
            fail("division by zero");
        if (op == "+")
            return Value(x + y);
        if (op == "-")
            return Value(x - y);
        if (op == "*")
            return Value(x * y);
        if (op == "/")
            return Value(x / y);
        if (op == "//")
            return Value(std::floor(x / y));
        return Value(x - std::floor(x / y) * y);
    }

    Value call(const Node &n)
    {
        const Node &callee = *n.kids[0];
        List args;
        Map keywords;
        const std::size_t positional = n.kids.size() - 1 - n.keywords.size();
        for (std::size_t i = 1; i < n.kids.size(); ++i) {
            if (i - 1 < positional)
                args.push_back(eval(*n.kids[i]));
            else
                keywords.emplace_back(n.keywords[i - 1 - positional], eval(*n.kids[i]));
        }
        if (callee.kind == Node::Attribute)
            return method(eval(*callee.kids[0]), callee.text, args);
        if (callee.kind == Node::Name) {
            if (callee.text == "raise_exception")
                fail("the template refuses the conversation: " + (args.empty() ? std::string() : toText(args[0])));
            if (callee.text == "namespace")
                return Value::map(std::move(keywords));
            if (callee.text == "range" && !args.empty()) {
                List out;
                const std::int64_t from = args.size() > 1 ? integer(args[0], "range's start") : 0;
                const std::int64_t to = integer(args.size() > 1 ? args[1] : args[0], "range's end");
                for (std::int64_t i = from; i < to && out.size() < 100000; ++i)
                    out.push_back(Value(i));
                return Value::list(std::move(out));
            }
            fail("the function " + callee.text + "() is not available to chat templates here");
        }
        fail("a call of something that is not a function");
    }

    Value eval(const Node &n)
    {
        switch (n.kind) {
        case Node::Literal: return n.literal;
        case Node::Name: return lookup(n.text);
        case Node::ListLiteral: {
            List items;
            for (const auto &k : n.kids)
                items.push_back(eval(*k));
            return Value::list(std::move(items));
        }
        case Node::Attribute: {
            const Value object = eval(*n.kids[0]);
            const Value *v = object.field(n.text);
            return v ? *v : Value(Undefined{n.text});
        }
        case Node::Index: return index(eval(*n.kids[0]), eval(*n.kids[1]));
        case Node::Slice: return slice(eval(*n.kids[0]), eval(*n.kids[1]), eval(*n.kids[2]));
        case Node::Call: return call(n);
        case Node::Filter: return filter(n);
        case Node::Test: return Value(test(n));
        case Node::Unary: {
            const Value v = eval(*n.kids[0]);
            if (n.text == "not")
                return Value(!truthy(v));
            if (!v.isNumber())
                fail("'-' of " + kindOf(v));
            return std::holds_alternative<std::int64_t>(v.v) ? Value(-std::get<std::int64_t>(v.v)) : Value(-v.number());
        }
        case Node::Conditional: return truthy(eval(*n.kids[0])) ? eval(*n.kids[1]) : eval(*n.kids[2]);
        case Node::Binary: break;
        }
        const std::string &op = n.text;
        if (op == "and") {
            const Value a = eval(*n.kids[0]);
            return truthy(a) ? eval(*n.kids[1]) : a;
        }
        if (op == "or") {
            const Value a = eval(*n.kids[0]);
            return truthy(a) ? a : eval(*n.kids[1]);
        }
        const Value a = eval(*n.kids[0]), b = eval(*n.kids[1]);
        if (op == "~")
            return Value(toText(a) + toText(b));
        if (op == "==")
            return Value(equal(a, b));
        if (op == "!=")
            return Value(!equal(a, b));
        if (op == "in" || op == "not in") {
            bool found = false;
            if (b.isString())
                found = b.str().find(toText(a)) != std::string::npos;
            else if (const List *l = b.asList())
                found = std::any_of(l->begin(), l->end(), [&](const Value &x) { return equal(x, a); });
            else if (b.asMap())
                found = a.isString() && b.field(a.str());
            else
                fail("'in' " + kindOf(b));
            return Value(found == (op == "in"));
        }
        if (op == "<" || op == ">" || op == "<=" || op == ">=") {
            int order = 0;
            if (a.isNumber() && b.isNumber())
                order = a.number() < b.number() ? -1 : a.number() > b.number() ? 1 : 0;
            else if (a.isString() && b.isString())
                order = a.str().compare(b.str());
            else
                fail("'" + op + "' of " + kindOf(a) + " and " + kindOf(b));
            return Value(op == "<" ? order < 0 : op == ">" ? order > 0 : op == "<=" ? order <= 0 : order >= 0);
        }
        return arithmetic(op, a, b);
    }

    std::string m_origin;
    std::vector<Map> m_scopes;
    std::int64_t m_steps = 0;
};

} // namespace

struct ChatTemplate::Program {
    std::string origin;
    std::vector<TemplateStep> body;
};

ChatTemplate::ChatTemplate() : m_program(std::make_unique<Program>()) {}
ChatTemplate::~ChatTemplate() = default;
ChatTemplate::ChatTemplate(ChatTemplate &&) noexcept = default;
ChatTemplate &ChatTemplate::operator=(ChatTemplate &&) noexcept = default;

const std::string &ChatTemplate::origin() const { return m_program->origin; }

ChatTemplate ChatTemplate::parse(std::string_view source, const std::string &origin)
{
    ChatTemplate t;
    t.m_program->origin = origin;
    try {
        t.m_program->body = parseTemplate(source);
    } catch (const SyntaxError &e) {
        throw InputError(InputProblem{origin, "chat_template", e.what, kFix});
    } catch (const std::out_of_range &) {
        throw InputError(InputProblem{origin, "chat_template", "a number in the template is too large", kFix});
    }
    return t;
}

ChatTemplate ChatTemplate::fromModelFolder(const std::filesystem::path &dir)
{
    const auto file = dir / "tokenizer_config.json";
    const std::string text =
        readInputFile(file, std::uint64_t(64) << 20, "give the folder of a model (or tokenizer) with a chat template");
    checkJsonDepth(text, file);
    nlohmann::json config;
    try {
        config = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception &) {
        throw InputError(InputProblem{file.string(),
                                      {},
                                      "tokenizer_config.json is not valid JSON",
                                      "restore the tokenizer_config.json that came with the model"});
    }
    std::string source;
    if (config.is_object() && config.contains("chat_template")) {
        const auto &t = config["chat_template"];
        if (t.is_string())
            source = t.get<std::string>();
        else if (t.is_array())
            for (const auto &entry : t)
                if (entry.is_object() && entry.value("name", "") == "default" && entry.contains("template")
                    && entry["template"].is_string())
                    source = entry["template"].get<std::string>();
    }
    if (source.empty())
        throw InputError(InputProblem{file.string(), "key 'chat_template'", "the tokenizer has no chat template",
                                      "leave out --chat-template to use ShiftScope's documented template"});
    ChatTemplate t = parse(source, file.string());
    // Special tokens are strings, or {"content": ...} objects in some tokenizer configs.
    auto token = [&](const char *key) {
        const auto it = config.find(key);
        if (it == config.end())
            return std::string();
        if (it->is_string())
            return it->get<std::string>();
        if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
            return (*it)["content"].get<std::string>();
        return std::string();
    };
    t.bosToken = token("bos_token");
    t.eosToken = token("eos_token");
    return t;
}

std::string ChatTemplate::render(const std::vector<ChatMessage> &messages, bool addGenerationPrompt) const
{
    List list;
    for (const ChatMessage &m : messages)
        list.push_back(Value::map({{"role", Value(m.role)}, {"content", Value(m.content)}}));
    Map globals = {{"messages", Value::list(std::move(list))},
                   {"add_generation_prompt", Value(addGenerationPrompt)},
                   {"bos_token", Value(bosToken)},
                   {"eos_token", Value(eosToken)}};
    Renderer renderer(m_program->origin, {std::move(globals), {}});
    std::string out;
    renderer.run(m_program->body, out);
    return out;
}

} // namespace shiftscope