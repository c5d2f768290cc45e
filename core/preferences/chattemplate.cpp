#include "preferences/chattemplate.h"

#include "preferences/jinja.h"

#include "util/errors.h"
#include "util/inputfile.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <ctime>
#include <limits>
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
            step(out);
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
        if (s.condition) { // {% for x in xs if test %}: the items the test keeps; loop counts those only
            List kept;
            for (const Value &item : items) {
                step(out);
                Map scope;
                bind(s, item, scope);
                m_scopes.push_back(std::move(scope));
                const bool keep = truthy(eval(*s.condition));
                m_scopes.pop_back();
                if (keep)
                    kept.push_back(item);
            }
            items = std::move(kept);
        }
        if (items.empty()) {
            run(s.orElse, out);
            return;
        }
        const auto n = std::int64_t(items.size());
        for (std::int64_t i = 0; i < n; ++i) {
            step(out);
            Map scope;
            bind(s, items[std::size_t(i)], scope);
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

    void bind(const TemplateStep &s, const Value &item, Map &scope) const
    {
        if (s.targets.size() == 1) {
            scope.emplace_back(s.targets[0], item);
            return;
        }
        const List *tuple = item.asList();
        if (!tuple || tuple->size() != s.targets.size())
            fail("'{% for %}' cannot unpack " + kindOf(item));
        for (std::size_t k = 0; k < s.targets.size(); ++k)
            scope.emplace_back(s.targets[k], (*tuple)[k]);
    }

    //! Counts one step of work: a bounded amount of it, and of output, renders one conversation.
    void step(const std::string &out)
    {
        if (++m_steps > 1'000'000 || out.size() > kMaxText)
            fail("rendering one conversation takes more than a million steps or 64 MiB");
    }

    //! A list or map the template builds, refused past a million items in all: built from shared parts, a few lines
    //! can make one of more items than memory holds ([x, x] doubled sixty times), which printing, comparing or JSON
    //! would then walk item by item. Each list's size is kept, so counting a new one costs its own items.
    Value counted(Value v) const
    {
        itemsIn(v);
        return v;
    }

    std::size_t itemsIn(const Value &v) const
    {
        const void *key = nullptr;
        if (const auto *l = std::get_if<std::shared_ptr<List>>(&v.v))
            key = l->get();
        else if (const auto *m = std::get_if<std::shared_ptr<Map>>(&v.v))
            key = m->get();
        else
            return 1;
        if (const auto found = m_sizes.find(key); found != m_sizes.end())
            return found->second.second;
        std::size_t n = 1;
        auto add = [&](const Value &item) {
            n += itemsIn(item);
            if (n > 1'000'000)
                fail("the template builds lists or maps of more than a million items in all");
        };
        if (const List *l = v.asList())
            for (const Value &item : *l)
                add(item);
        else
            for (const auto &entry : *v.asMap())
                add(entry.second);
        if (v.asList()) // a map may be a namespace, which changes: it is counted again each time
            m_sizes.emplace(key, std::pair{v, n}); // the value kept, so that its address names it alone
        return n;
    }

    //! A string or list built by the template, refused past the size a conversation can need.
    const std::string &bounded(const std::string &text) const
    {
        if (text.size() > kMaxText)
            fail("the template builds a string of more than 64 MiB");
        return text;
    }

    std::int64_t integer(const Value &v, const char *what) const
    {
        if (const auto *i = std::get_if<std::int64_t>(&v.v))
            return *i;
        fail(std::string(what) + " is " + kindOf(v) + ", not an integer");
    }

    Value index(const Value &container, const Value &key) const
    {
        if (container.asList() && !std::holds_alternative<std::int64_t>(key.v))
            return Undefined{toText(key)};
        if (const List *l = container.asList()) {
            std::int64_t i = integer(key, "a list index");
            if (i < 0)
                i += std::int64_t(l->size());
            if (i < 0 || i >= std::int64_t(l->size()))
                return Undefined{"index " + toText(key)}; // Jinja's undefined, not Python's IndexError
            return (*l)[std::size_t(i)];
        }
        if (container.isString()) {
            std::int64_t i = integer(key, "a string index");
            const auto size = std::int64_t(container.str().size());
            if (i < 0)
                i += size;
            if (i < 0 || i >= size)
                return Undefined{"index " + toText(key)};
            return Value(std::string(1, container.str()[std::size_t(i)]));
        }
        if (container.asMap() && key.isString()) {
            const Value *v = container.field(key.str());
            return v ? *v : Value(Undefined{key.str()});
        }
        return Undefined{toText(key)};
    }

    //! Python's slice [from:to:step] of a list or a string (bytes).
    Value slice(const Value &container, const Value &from, const Value &to, const Value &stepValue) const
    {
        const auto given = [](const Value &v) {
            return !std::holds_alternative<Undefined>(v.v) && !std::holds_alternative<None>(v.v);
        };
        const std::int64_t stride = given(stepValue) ? integer(stepValue, "a slice step") : 1;
        if (stride == 0)
            fail("a slice step of zero");
        const List *list = container.asList();
        if (!list && !container.isString())
            fail("cannot slice " + kindOf(container));
        const auto size = std::int64_t(list ? list->size() : container.str().size());
        auto bound = [&](const Value &v, std::int64_t fallback) {
            if (!given(v))
                return fallback;
            std::int64_t i = integer(v, "a slice bound");
            if (i < 0)
                i += size;
            return stride > 0 ? std::clamp<std::int64_t>(i, 0, size) : std::clamp<std::int64_t>(i, -1, size - 1);
        };
        const std::int64_t begin = bound(from, stride > 0 ? 0 : size - 1);
        const std::int64_t end = bound(to, stride > 0 ? size : -1);
        List items;
        std::string text;
        for (std::int64_t i = begin; stride > 0 ? i < end : i > end; i += stride) {
            if (list)
                items.push_back((*list)[std::size_t(i)]);
            else
                text += container.str()[std::size_t(i)];
        }
        return list ? Value::list(std::move(items)) : Value(std::move(text));
    }

    static std::string strip(const std::string &s, bool left, bool right, const char *ws = " \t\r\n\f\v")
    {
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
            if (name == "strip" || name == "lstrip" || name == "rstrip") {
                const std::string chars = args.empty() || !args[0].isString() ? " \t\r\n\f\v" : args[0].str();
                return Value(strip(s, name != "rstrip", name != "lstrip", chars.c_str()));
            }
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
                if (args.empty() || std::holds_alternative<None>(args[0].v)) { // runs of whitespace
                    std::size_t from = s.find_first_not_of(" \t\r\n\f\v");
                    while (from != std::string::npos) {
                        const std::size_t to = s.find_first_of(" \t\r\n\f\v", from);
                        parts.push_back(Value(s.substr(from, to == std::string::npos ? to : to - from)));
                        from = to == std::string::npos ? to : s.find_first_not_of(" \t\r\n\f\v", to);
                    }
                    return Value::list(std::move(parts));
                }
                const std::string sep = toText(args[0]);
                if (sep.empty())
                    fail("split() with an empty separator");
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
                    r.replace(at, a.size(), b), bounded(r);
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
        if (f == "list") {
            if (v.asList())
                return v;
            List items;
            if (const Map *m = v.asMap())
                for (const auto &[k, value] : *m)
                    items.push_back(Value(k));
            else
                for (char c : toText(v))
                    items.push_back(Value(std::string(1, c)));
            return Value::list(std::move(items));
        }
        if (f == "tojson")
            return Value(bounded(toJson(v)));
        if (f == "capitalize") {
            std::string r = toText(v);
            for (std::size_t i = 0; i < r.size(); ++i)
                r[i] = char(i ? std::tolower(static_cast<unsigned char>(r[i]))
                              : std::toupper(static_cast<unsigned char>(r[i])));
            return Value(r);
        }
        fail("the filter '" + f + "' is not implemented");
    }

    //! Python's json.dumps(value, ensure_ascii=False), as transformers' tojson filter writes it.
    std::string toJson(const Value &v) const
    {
        if (v.isString())
            return nlohmann::json(v.str()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        if (std::holds_alternative<None>(v.v) || v.isUndefined())
            return "null";
        if (const auto *b = std::get_if<bool>(&v.v))
            return *b ? "true" : "false";
        if (v.isNumber())
            return toText(v);
        std::string out;
        if (const List *l = v.asList()) {
            out = "[";
            for (std::size_t i = 0; i < l->size(); ++i)
                out += (i ? ", " : "") + toJson((*l)[i]);
            return out + "]";
        }
        const Map &m = *v.asMap();
        out = "{";
        for (std::size_t i = 0; i < m.size(); ++i)
            out += (i ? ", " : "") + toJson(Value(m[i].first)) + ": " + toJson(m[i].second);
        return out + "}";
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
            return Value(bounded(a.str() + b.str()));
        if (op == "+" && a.asList() && b.asList()) {
            List joined = *a.asList();
            joined.insert(joined.end(), b.asList()->begin(), b.asList()->end());
            if (joined.size() > 1'000'000)
                fail("the template builds a list of more than a million items");
            return counted(Value::list(std::move(joined)));
        }
        // Python's booleans are the integers 0 and 1.
        const auto asInteger = [](const Value &v) {
            const auto *flag = std::get_if<bool>(&v.v);
            return flag ? Value(std::int64_t(*flag)) : v;
        };
        if (std::holds_alternative<bool>(a.v) || std::holds_alternative<bool>(b.v))
            return arithmetic(op, asInteger(a), asInteger(b));
        if (!a.isNumber() || !b.isNumber())
            fail("'" + op + "' of " + kindOf(a) + " and " + kindOf(b));
        const bool integers = std::holds_alternative<std::int64_t>(a.v) && std::holds_alternative<std::int64_t>(b.v);
        if (integers && op != "/") {
            const std::int64_t x = std::get<std::int64_t>(a.v), y = std::get<std::int64_t>(b.v);
            if ((op == "//" || op == "%") && y == 0)
                fail("division by zero");
            std::int64_t r = 0;
            const bool overflow = op == "+" ? __builtin_add_overflow(x, y, &r)
                                : op == "-" ? __builtin_sub_overflow(x, y, &r)
                                : op == "*" ? __builtin_mul_overflow(x, y, &r)
                                            : (x == std::numeric_limits<std::int64_t>::min() && y == -1);
            if (overflow)
                fail("an integer outside the 64-bit range");
            if (op == "+" || op == "-" || op == "*")
                return Value(r);
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
                const std::int64_t from = args.size() > 1 ? integer(args[0], "range's start") : 0;
                const std::int64_t to = integer(args.size() > 1 ? args[1] : args[0], "range's end");
                const std::int64_t stride = args.size() > 2 ? integer(args[2], "range's step") : 1;
                if (stride == 0)
                    fail("range() with a step of zero");
                List out;
                for (std::int64_t i = from; stride > 0 ? i < to : i > to; i += stride) {
                    if (out.size() >= 100'000)
                        fail("range() of more than 100,000 numbers");
                    out.push_back(Value(i));
                    if ((stride > 0 && i > std::numeric_limits<std::int64_t>::max() - stride)
                        || (stride < 0 && i < std::numeric_limits<std::int64_t>::min() - stride))
                        break;
                }
                return Value::list(std::move(out));
            }
            if (callee.text == "strftime_now" && !args.empty() && args[0].isString()) {
                const std::time_t now = std::time(nullptr);
                std::tm local{};
                localtime_r(&now, &local);
                char buffer[256];
                const std::size_t size = std::strftime(buffer, sizeof buffer, args[0].str().c_str(), &local);
                return Value(std::string(buffer, size));
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
            return counted(Value::list(std::move(items)));
        }
        case Node::Attribute: {
            const Value object = eval(*n.kids[0]);
            const Value *v = object.field(n.text);
            return v ? *v : Value(Undefined{n.text});
        }
        case Node::Index: return index(eval(*n.kids[0]), eval(*n.kids[1]));
        case Node::Slice: return slice(eval(*n.kids[0]), eval(*n.kids[1]), eval(*n.kids[2]), eval(*n.kids[3]));
        case Node::Call: return call(n);
        case Node::Filter: return filter(n);
        case Node::Test: return Value(test(n));
        case Node::Unary: {
            const Value v = eval(*n.kids[0]);
            if (n.text == "not")
                return Value(!truthy(v));
            if (!v.isNumber())
                fail("'-' of " + kindOf(v));
            if (const auto *i = std::get_if<std::int64_t>(&v.v)) {
                if (*i == std::numeric_limits<std::int64_t>::min())
                    fail("an integer outside the 64-bit range");
                return Value(-*i);
            }
            return Value(-v.number());
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
            return Value(bounded(toText(a) + toText(b)));
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

    static constexpr std::size_t kMaxText = std::size_t(64) << 20;

    std::string m_origin;
    std::vector<Map> m_scopes;
    mutable std::int64_t m_steps = 0;
    mutable std::map<const void *, std::pair<Value, std::size_t>> m_sizes; //!< see itemsIn()
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
    std::string origin = file.string();
    std::error_code ec;
    if (const auto jinja = dir / "chat_template.jinja"; std::filesystem::is_regular_file(jinja, ec)) {
        // Newer model folders keep the template in a file of its own, which transformers prefers.
        source = readInputFile(jinja, std::uint64_t(16) << 20, "restore chat_template.jinja of the model");
        origin = jinja.string();
    } else if (config.is_object() && config.contains("chat_template")) {
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
    ChatTemplate t = parse(source, origin);
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
                   {"eos_token", Value(eosToken)},
                   {"tools", Value(None{})},
                   {"documents", Value(None{})}};
    Renderer renderer(m_program->origin, {std::move(globals), {}});
    std::string out;
    try {
        renderer.run(m_program->body, out);
    } catch (const std::bad_alloc &) {
        throw InputError(InputProblem{m_program->origin, "chat_template", "rendering ran out of memory", kFix});
    } catch (const std::length_error &) {
        throw InputError(InputProblem{m_program->origin, "chat_template", "rendering built too long a string", kFix});
    }
    return out;
}

} // namespace shiftscope