#include "preferences/chattemplate.h"

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

constexpr const char *kFix = "convert the conversations with ShiftScope's documented template (leave out "
                             "--chat-template), or give a model folder whose template the importer can render";

// ---- values -----------------------------------------------------------------------------------------------------

struct Value;
using List = std::vector<Value>;
using Map = std::vector<std::pair<std::string, Value>>; // in insertion order, as Python dicts

struct Undefined {
    std::string name; // what was looked up, for messages
};
struct None {};

struct Value {
    std::variant<Undefined, None, bool, std::int64_t, double, std::string, std::shared_ptr<List>, std::shared_ptr<Map>>
        v;

    Value() = default;
    template <typename T>
    Value(T t) : v(std::move(t))
    {
    }
    static Value list(List items) { return Value(std::make_shared<List>(std::move(items))); }
    static Value map(Map items) { return Value(std::make_shared<Map>(std::move(items))); }

    bool isUndefined() const { return std::holds_alternative<Undefined>(v); }
    bool isString() const { return std::holds_alternative<std::string>(v); }
    bool isNumber() const { return std::holds_alternative<std::int64_t>(v) || std::holds_alternative<double>(v); }
    const std::string &str() const { return std::get<std::string>(v); }
    List *asList() const
    {
        const auto *p = std::get_if<std::shared_ptr<List>>(&v);
        return p ? p->get() : nullptr;
    }
    Map *asMap() const
    {
        const auto *p = std::get_if<std::shared_ptr<Map>>(&v);
        return p ? p->get() : nullptr;
    }
    double number() const
    {
        if (const auto *i = std::get_if<std::int64_t>(&v))
            return double(*i);
        if (const auto *b = std::get_if<bool>(&v))
            return *b ? 1 : 0;
        return std::get<double>(v);
    }
    const Value *field(const std::string &key) const
    {
        if (const Map *m = asMap())
            for (const auto &[k, value] : *m)
                if (k == key)
                    return &value;
        return nullptr;
    }
};

std::string kindOf(const Value &value)
{
    static const char *names[] = {"undefined", "none",     "a boolean", "an integer",
                                  "a number",  "a string", "a list",    "a mapping"};
    return names[value.v.index()];
}

bool truthy(const Value &value)
{
    return std::visit(
        [](const auto &x) -> bool {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, Undefined> || std::is_same_v<T, None>)
                return false;
            else if constexpr (std::is_same_v<T, bool>)
                return x;
            else if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>)
                return x != 0;
            else if constexpr (std::is_same_v<T, std::string>)
                return !x.empty();
            else
                return !x->empty();
        },
        value.v);
}

std::string toText(const Value &value);

std::string reprOf(const Value &value)
{
    if (value.isString()) {
        const std::string &s = value.str();
        return (s.find('\'') != std::string::npos && s.find('"') == std::string::npos ? "\"" + s + "\""
                                                                                      : "'" + s + "'");
    }
    return toText(value);
}

std::string toText(const Value &value)
{
    return std::visit(
        [&](const auto &x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, Undefined>)
                return {};
            else if constexpr (std::is_same_v<T, None>)
                return "None";
            else if constexpr (std::is_same_v<T, bool>)
                return x ? "True" : "False";
            else if constexpr (std::is_same_v<T, std::int64_t>)
                return std::to_string(x);
            else if constexpr (std::is_same_v<T, double>) {
                char buffer[32];
                std::snprintf(buffer, sizeof buffer, "%.17g", x);
                std::string s = buffer;
                return s.find_first_of(".e") == std::string::npos ? s + ".0" : s;
            } else if constexpr (std::is_same_v<T, std::string>)
                return x;
            else if constexpr (std::is_same_v<T, std::shared_ptr<List>>) {
                std::string s = "[";
                for (std::size_t i = 0; i < x->size(); ++i)
                    s += (i ? ", " : "") + reprOf((*x)[i]);
                return s + "]";
            } else {
                std::string s = "{";
                for (std::size_t i = 0; i < x->size(); ++i)
                    s += (i ? ", " : "") + reprOf(Value((*x)[i].first)) + ": " + reprOf((*x)[i].second);
                return s + "}";
            }
        },
        value.v);
}

bool equal(const Value &a, const Value &b)
{
    if (a.isNumber() && b.isNumber())
        return a.number() == b.number();
    if (a.v.index() != b.v.index())
        return false;
    if (a.isString())
        return a.str() == b.str();
    if (std::holds_alternative<bool>(a.v))
        return std::get<bool>(a.v) == std::get<bool>(b.v);
    if (const List *l = a.asList()) {
        const List &r = *b.asList();
        if (l->size() != r.size())
            return false;
        for (std::size_t i = 0; i < l->size(); ++i)
            if (!equal((*l)[i], r[i]))
                return false;
        return true;
    }
    return std::holds_alternative<None>(a.v) || a.isUndefined() || a.asMap() == b.asMap();
}

// ---- syntax -----------------------------------------------------------------------------------------------------

struct Node {
    enum Kind {
        Literal,
        Name,
        ListLiteral,
        Attribute,
        Index,
        Slice,
        Call,
        Filter,
        Test,
        Unary,
        Binary,
        Conditional,
    } kind;
    std::string text; // name, attribute, operator, filter or test name
    Value literal;
    std::vector<std::unique_ptr<Node>> kids;
    std::vector<std::string> keywords; // keyword argument names of a call, aligned with the last kids
    bool negated = false;              // "is not"
};
using NodePtr = std::unique_ptr<Node>;

struct TemplateStep {
    enum Kind { Text, Output, If, For, Set } kind;
    std::string text;                                                // Text
    NodePtr expr;                                                    // Output, Set value, For iterable
    std::vector<std::pair<NodePtr, std::vector<TemplateStep>>> arms; // If: conditions (null for else) and bodies
    std::vector<std::string> targets;                                // For loop variables; Set target (name[.attr])
    std::vector<TemplateStep> body;                                  // For
    std::vector<TemplateStep> orElse;                                // For's else
};

class SyntaxError {
public:
    explicit SyntaxError(std::string message) : what(std::move(message)) {}
    std::string what;
};

//! Tokens of one {{ }} or {% %} tag.
struct Token {
    enum Kind { Identifier, String, Integer, Real, Operator, End } kind;
    std::string text;
};

std::vector<Token> lexTag(std::string_view s)
{
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            std::size_t j = i;
            while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_'))
                ++j;
            out.push_back({Token::Identifier, std::string(s.substr(i, j - i))});
            i = j;
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            std::size_t j = i;
            bool real = false;
            while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.' || s[j] == '_')) {
                real = real || s[j] == '.';
                ++j;
            }
            out.push_back({real ? Token::Real : Token::Integer, std::string(s.substr(i, j - i))});
            i = j;
        } else if (c == '\'' || c == '"') {
            std::string text;
            std::size_t j = i + 1;
            for (; j < s.size() && s[j] != c; ++j) {
                if (s[j] == '\\' && j + 1 < s.size()) {
                    const char e = s[++j];
                    text += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
                } else {
                    text += s[j];
                }
            }
            if (j >= s.size())
                throw SyntaxError("a string is not closed");
            out.push_back({Token::String, text});
            i = j + 1;
        } else {
            static const char *two[] = {"==", "!=", "<=", ">=", "//", "**"};
            std::string op(1, c);
            for (const char *t : two)
                if (s.substr(i, 2) == t)
                    op = t;
            if (std::string("=!<>+-*/%~()[].,|:{}").find(c) == std::string::npos)
                throw SyntaxError(std::string("the character '") + c + "' is not Jinja the importer reads");
            out.push_back({Token::Operator, op});
            i += op.size();
        }
    }
    out.push_back({Token::End, {}});
    return out;
}

class ExpressionParser {
public:
    explicit ExpressionParser(std::vector<Token> tokens) : m_t(std::move(tokens)) {}

    NodePtr expression() { return conditional(); }
    bool atEnd() const { return m_t[m_i].kind == Token::End; }
    bool peekWord(const char *word) const { return m_t[m_i].kind == Token::Identifier && m_t[m_i].text == word; }
    bool acceptWord(const char *word)
    {
        if (!peekWord(word))
            return false;
        ++m_i;
        return true;
    }
    bool acceptOp(const char *op)
    {
        if (m_t[m_i].kind != Token::Operator || m_t[m_i].text != op)
            return false;
        ++m_i;
        return true;
    }
    void expectOp(const char *op)
    {
        if (!acceptOp(op))
            throw SyntaxError(std::string("expected '") + op + "' before '" + m_t[m_i].text + "'");
    }
    std::string identifier()
    {
        if (m_t[m_i].kind != Token::Identifier)
            throw SyntaxError("expected a name before '" + m_t[m_i].text + "'");
        return m_t[m_i++].text;
    }
    void expectEnd()
    {
        if (!atEnd())
            throw SyntaxError("unexpected '" + m_t[m_i].text + "'");
    }

private:
    static NodePtr make(Node::Kind kind, std::string text = {})
    {
        auto n = std::make_unique<Node>();
        n->kind = kind;
        n->text = std::move(text);
        return n;
    }
    static NodePtr binary(std::string op, NodePtr a, NodePtr b)
    {
        NodePtr n = make(Node::Binary, std::move(op));
        n->kids.push_back(std::move(a));
        n->kids.push_back(std::move(b));
        return n;
    }

    //! Nesting of expressions (parentheses, lists, calls, unary operators): bounded, so that a hostile template
    //! cannot exhaust the stack.
    struct Depth {
        explicit Depth(int &depth) : m_depth(depth)
        {
            if (++m_depth > 100)
                throw SyntaxError("expressions nest more than 100 levels deep");
        }
        ~Depth() { --m_depth; }
        int &m_depth;
    };

    NodePtr conditional()
    {
        const Depth guard(m_depth);
        NodePtr value = orExpr();
        if (acceptWord("if")) {
            NodePtr n = make(Node::Conditional);
            n->kids.push_back(orExpr());
            n->kids.push_back(std::move(value));
            n->kids.push_back(acceptWord("else") ? conditional() : make(Node::Literal));
            return n;
        }
        return value;
    }
    NodePtr orExpr()
    {
        NodePtr a = andExpr();
        while (acceptWord("or"))
            a = binary("or", std::move(a), andExpr());
        return a;
    }
    NodePtr andExpr()
    {
        NodePtr a = notExpr();
        while (acceptWord("and"))
            a = binary("and", std::move(a), notExpr());
        return a;
    }
    NodePtr notExpr()
    {
        const Depth guard(m_depth);
        if (acceptWord("not")) {
            NodePtr n = make(Node::Unary, "not");
            n->kids.push_back(notExpr());
            return n;
        }
        return comparison();
    }
    NodePtr comparison()
    {
        NodePtr a = concat();
        for (;;) {
            bool matched = false;
            for (const char *op : {"==", "!=", "<=", ">=", "<", ">"})
                if (acceptOp(op)) {
                    a = binary(op, std::move(a), concat());
                    matched = true;
                    break;
                }
            if (matched)
                continue;
            if (acceptWord("in")) {
                a = binary("in", std::move(a), concat());
            } else if (peekWord("not") && m_t[m_i + 1].kind == Token::Identifier && m_t[m_i + 1].text == "in") {
                m_i += 2;
                a = binary("not in", std::move(a), concat());
            } else if (acceptWord("is")) {
                NodePtr n = make(Node::Test);
                n->negated = acceptWord("not");
                n->text = identifier();
                n->kids.push_back(std::move(a));
                a = std::move(n);
            } else {
                return a;
            }
        }
    }
    NodePtr concat()
    {
        NodePtr a = additive();
        while (acceptOp("~"))
            a = binary("~", std::move(a), additive());
        return a;
    }
    NodePtr additive()
    {
        NodePtr a = multiplicative();
        for (;;) {
            if (acceptOp("+"))
                a = binary("+", std::move(a), multiplicative());
            else if (acceptOp("-"))
                a = binary("-", std::move(a), multiplicative());
            else
                return a;
        }
    }
    NodePtr multiplicative()
    {
        NodePtr a = unary();
        for (;;) {
            bool matched = false;
            for (const char *op : {"//", "*", "/", "%"})
                if (acceptOp(op)) {
                    a = binary(op, std::move(a), unary());
                    matched = true;
                    break;
                }
            if (!matched)
                return a;
        }
    }
    NodePtr unary()
    {
        const Depth guard(m_depth);
        if (acceptOp("-")) {
            NodePtr n = make(Node::Unary, "-");
            n->kids.push_back(unary());
            return n;
        }
        return postfix(primary());
    }
    void arguments(Node &call)
    {
        if (acceptOp(")"))
            return;
        do {
            if (m_t[m_i].kind == Token::Identifier && m_t[m_i + 1].kind == Token::Operator
                && m_t[m_i + 1].text == "=") {
                call.keywords.push_back(m_t[m_i].text);
                m_i += 2;
            } else if (!call.keywords.empty()) {
                throw SyntaxError("a positional argument follows a keyword argument");
            }
            call.kids.push_back(expression());
        } while (acceptOp(","));
        expectOp(")");
    }
    NodePtr postfix(NodePtr a)
    {
        for (;;) {
            if (acceptOp(".")) {
                NodePtr n = make(Node::Attribute, identifier());
                n->kids.push_back(std::move(a));
                a = std::move(n);
            } else if (acceptOp("[")) {
                NodePtr start = acceptOp(":") ? nullptr : expression();
                if (start && !acceptOp(":")) {
                    expectOp("]");
                    NodePtr n = make(Node::Index);
                    n->kids.push_back(std::move(a));
                    n->kids.push_back(std::move(start));
                    a = std::move(n);
                    continue;
                }
                NodePtr n = make(Node::Slice);
                n->kids.push_back(std::move(a));
                n->kids.push_back(start ? std::move(start) : make(Node::Literal));
                n->kids.push_back(m_t[m_i].text == "]" ? make(Node::Literal) : expression());
                expectOp("]");
                a = std::move(n);
            } else if (acceptOp("(")) {
                NodePtr n = make(Node::Call);
                n->kids.push_back(std::move(a));
                arguments(*n);
                a = std::move(n);
            } else if (acceptOp("|")) {
                NodePtr n = make(Node::Filter, identifier());
                n->kids.push_back(std::move(a));
                if (acceptOp("("))
                    arguments(*n);
                a = std::move(n);
            } else {
                return a;
            }
        }
    }
    NodePtr primary()
    {
        const Token t = m_t[m_i];
        if (t.kind == Token::End)
            throw SyntaxError("an expression ends too early");
        ++m_i;
        switch (t.kind) {
        case Token::String: {
            NodePtr n = make(Node::Literal);
            n->literal = t.text;
            while (m_t[m_i].kind == Token::String) // adjacent literals join, as in Python
                n->literal = n->literal.str() + m_t[m_i++].text;
            return n;
        }
        case Token::Integer: {
            NodePtr n = make(Node::Literal);
            std::string digits = t.text;
            digits.erase(std::remove(digits.begin(), digits.end(), '_'), digits.end());
            n->literal = std::int64_t(std::stoll(digits));
            return n;
        }
        case Token::Real: {
            NodePtr n = make(Node::Literal);
            n->literal = std::stod(t.text);
            return n;
        }
        case Token::Identifier: {
            NodePtr n = make(Node::Literal);
            if (t.text == "true" || t.text == "True")
                n->literal = true;
            else if (t.text == "false" || t.text == "False")
                n->literal = false;
            else if (t.text == "none" || t.text == "None")
                n->literal = None{};
            else
                return make(Node::Name, t.text);
            return n;
        }
        case Token::Operator:
            if (t.text == "(") {
                NodePtr inner = expression();
                expectOp(")");
                return inner;
            }
            if (t.text == "[") {
                NodePtr n = make(Node::ListLiteral);
                if (!acceptOp("]")) {
                    do
                        n->kids.push_back(expression());
                    while (acceptOp(","));
                    expectOp("]");
                }
                return n;
            }
            break;
        case Token::End: break;
        }
        throw SyntaxError("unexpected '" + t.text + "'");
    }

    std::vector<Token> m_t;
    std::size_t m_i = 0;
    int m_depth = 0;
};

//! The template cut into text and tags, whitespace handled as transformers' Jinja environment does
//! (trim_blocks, lstrip_blocks, and the - and + markers).
struct Piece {
    enum Kind { Text, Output, Block } kind;
    std::string text;
};

std::vector<Piece> cut(std::string_view s)
{
    std::vector<Piece> pieces;
    std::size_t i = 0;
    bool trimNextNewline = false, stripNextWhitespace = false;
    while (i <= s.size()) {
        std::size_t open = s.find('{', i);
        while (open != std::string_view::npos && open + 1 < s.size() && s[open + 1] != '{' && s[open + 1] != '%'
               && s[open + 1] != '#')
            open = s.find('{', open + 1);
        if (open + 1 >= s.size())
            open = std::string_view::npos;
        std::string text(s.substr(i, open == std::string_view::npos ? std::string_view::npos : open - i));
        if (stripNextWhitespace) {
            text.erase(0, text.find_first_not_of(" \t\r\n") == std::string::npos ? text.size()
                                                                                 : text.find_first_not_of(" \t\r\n"));
        } else if (trimNextNewline && !text.empty()) {
            if (text[0] == '\n')
                text.erase(0, 1);
            else if (text.rfind("\r\n", 0) == 0)
                text.erase(0, 2);
        }
        trimNextNewline = stripNextWhitespace = false;
        if (open == std::string_view::npos) {
            if (!text.empty())
                pieces.push_back({Piece::Text, text});
            break;
        }
        const char kind = s[open + 1];
        const char *closer = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
        const std::size_t close = s.find(closer, open + 2);
        if (close == std::string_view::npos)
            throw SyntaxError(std::string("a tag opened with '{") + kind + "' is not closed");
        std::string_view inner = s.substr(open + 2, close - open - 2);
        const bool stripBefore = !inner.empty() && inner.front() == '-';
        const bool keepBefore = !inner.empty() && inner.front() == '+';
        const bool stripAfter = !inner.empty() && inner.back() == '-';
        if (stripBefore || keepBefore)
            inner.remove_prefix(1);
        if (stripAfter || (!inner.empty() && inner.back() == '+'))
            inner.remove_suffix(1);
        if (stripBefore) {
            text.erase(text.find_last_not_of(" \t\r\n") == std::string::npos ? 0
                                                                             : text.find_last_not_of(" \t\r\n") + 1);
        } else if (kind != '{' && !keepBefore && open > 0) {
            // lstrip_blocks: the spaces and tabs between the start of the tag's source line and the tag go, when
            // nothing else (no other tag) stands there.
            const std::size_t newline = s.rfind('\n', open - 1);
            const std::size_t from = newline == std::string_view::npos ? 0 : newline + 1;
            const std::string_view lead = s.substr(from, open - from);
            if (from >= i && lead.find_first_not_of(" \t") == std::string_view::npos)
                text.erase(text.size() - std::min(text.size(), lead.size()));
        }
        if (!text.empty())
            pieces.push_back({Piece::Text, text});
        if (kind == '{')
            pieces.push_back({Piece::Output, std::string(inner)});
        else if (kind == '%')
            pieces.push_back({Piece::Block, std::string(inner)});
        stripNextWhitespace = stripAfter;
        trimNextNewline = kind != '{' && !stripAfter; // trim_blocks
        i = close + 2;
    }
    return pieces;
}

class TemplateParser {
public:
    explicit TemplateParser(std::vector<Piece> pieces) : m_p(std::move(pieces)) {}

    std::vector<TemplateStep> parse()
    {
        std::vector<TemplateStep> body = block({});
        if (m_i < m_p.size())
            throw SyntaxError("'{% " + m_p[m_i].text + " %}' has no opening tag");
        return body;
    }

private:
    static std::string firstWord(const std::string &tag)
    {
        const std::size_t b = tag.find_first_not_of(" \t\r\n");
        if (b == std::string::npos)
            return {};
        const std::size_t e = tag.find_first_of(" \t\r\n", b);
        return tag.substr(b, e == std::string::npos ? std::string::npos : e - b);
    }

    //! Statements up to (not including) a block tag whose first word is one of `stops`.
    std::vector<TemplateStep> block(const std::vector<std::string> &stops)
    {
        if (++m_depth > 100)
            throw SyntaxError("blocks nest more than 100 levels deep");
        struct Leave {
            int &depth;
            ~Leave() { --depth; }
        } leave{m_depth};
        std::vector<TemplateStep> out;
        while (m_i < m_p.size()) {
            const Piece &p = m_p[m_i];
            if (p.kind == Piece::Text) {
                TemplateStep s{TemplateStep::Text, p.text, {}, {}, {}, {}, {}};
                out.push_back(std::move(s));
                ++m_i;
                continue;
            }
            if (p.kind == Piece::Output) {
                ExpressionParser e(lexTag(p.text));
                TemplateStep s{TemplateStep::Output, {}, e.expression(), {}, {}, {}, {}};
                e.expectEnd();
                out.push_back(std::move(s));
                ++m_i;
                continue;
            }
            const std::string word = firstWord(p.text);
            if (std::find(stops.begin(), stops.end(), word) != stops.end())
                return out;
            ++m_i;
            ExpressionParser e(lexTag(p.text));
            e.identifier();
            if (word == "if")
                out.push_back(ifStep(e));
            else if (word == "for")
                out.push_back(forStep(e));
            else if (word == "set")
                out.push_back(setStep(e));
            else
                throw SyntaxError("'{% " + word + " %}' is a Jinja statement the importer does not implement");
        }
        if (!stops.empty())
            throw SyntaxError("'{% " + stops.back() + " %}' is missing");
        return out;
    }

    TemplateStep ifStep(ExpressionParser &e)
    {
        TemplateStep s{TemplateStep::If, {}, {}, {}, {}, {}, {}};
        NodePtr condition = e.expression();
        e.expectEnd();
        for (;;) {
            std::vector<TemplateStep> body = block({"elif", "else", "endif"});
            s.arms.emplace_back(std::move(condition), std::move(body));
            ExpressionParser next(lexTag(m_p[m_i++].text));
            const std::string word = next.identifier();
            if (word == "endif")
                return s;
            if (word == "else") {
                s.arms.emplace_back(nullptr, block({"endif"}));
                ++m_i;
                return s;
            }
            condition = next.expression();
            next.expectEnd();
        }
    }

    TemplateStep forStep(ExpressionParser &e)
    {
        TemplateStep s{TemplateStep::For, {}, {}, {}, {}, {}, {}};
        do
            s.targets.push_back(e.identifier());
        while (e.acceptOp(","));
        if (!e.acceptWord("in"))
            throw SyntaxError("'{% for %}' needs 'in'");
        s.expr = e.expression();
        if (e.peekWord("if") || e.peekWord("recursive"))
            throw SyntaxError("a filtered or recursive '{% for %}' is not implemented");
        e.expectEnd();
        s.body = block({"else", "endfor"});
        if (firstWord(m_p[m_i++].text) == "else") {
            s.orElse = block({"endfor"});
            ++m_i;
        }
        return s;
    }

    TemplateStep setStep(ExpressionParser &e)
    {
        TemplateStep s{TemplateStep::Set, {}, {}, {}, {}, {}, {}};
        s.targets.push_back(e.identifier());
        if (e.acceptOp("."))
            s.targets.push_back(e.identifier());
        if (!e.acceptOp("="))
            throw SyntaxError("a block '{% set %}' is not implemented");
        s.expr = e.expression();
        e.expectEnd();
        return s;
    }

    std::vector<Piece> m_p;
    std::size_t m_i = 0;
    int m_depth = 0;
};

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
        t.m_program->body = TemplateParser(cut(source)).parse();
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
