#include "preferences/jinja.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace shiftscope::jinja {

//! Python's repr() of a value inside a printed list or mapping.
static std::string reprOf(const Value &value);

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

static std::string reprOf(const Value &value)
{
    if (!value.isString())
        return toText(value);
    const std::string &s = value.str();
    const char quote = s.find('\'') != std::string::npos && s.find('"') == std::string::npos ? '"' : '\'';
    std::string out(1, quote);
    for (char c : s) {
        if (c == '\\' || c == quote)
            out += '\\', out += c;
        else if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else
            out += c;
    }
    return out + quote;
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
                if (std::isnan(x))
                    return "nan";
                if (std::isinf(x))
                    return x > 0 ? "inf" : "-inf";
                char buffer[40];
                for (int precision = 1; precision <= 17; ++precision) { // Python's repr: the shortest that reads back
                    std::snprintf(buffer, sizeof buffer, "%.*g", precision, x);
                    if (std::strtod(buffer, nullptr) == x)
                        break;
                }
                std::string s = buffer;
                if (const auto e = s.find('e'); e != std::string::npos) { // 1e+16, as Python writes it
                    std::string exponent = s.substr(e + 1);
                    const char sign = exponent[0] == '-' ? '-' : '+';
                    exponent.erase(0, exponent.find_first_not_of("+-"));
                    exponent.erase(0, std::min(exponent.find_first_not_of('0'), exponent.size() - 1));
                    return s.substr(0, e) + "e" + sign + (exponent.size() < 2 ? "0" : "") + exponent;
                }
                return s.find('.') == std::string::npos ? s + ".0" : s;
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

namespace {

struct Token {
    enum Kind { Identifier, String, Integer, Real, Operator, End } kind;
    std::string text;
};

void appendUtf8(std::string &out, std::uint32_t c)
{
    if (c < 0x80) {
        out += char(c);
    } else if (c < 0x800) {
        out += char(0xC0 | (c >> 6));
        out += char(0x80 | (c & 0x3F));
    } else {
        out += char(0xE0 | (c >> 12));
        out += char(0x80 | ((c >> 6) & 0x3F));
        out += char(0x80 | (c & 0x3F));
    }
}

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
            // An exponent: 1e16, 2.5E-3.
            if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
                std::size_t k = j + 1;
                if (k < s.size() && (s[k] == '+' || s[k] == '-'))
                    ++k;
                if (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) {
                    while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k])))
                        ++k;
                    j = k;
                    real = true;
                }
            }
            std::string number(s.substr(i, j - i));
            number.erase(std::remove(number.begin(), number.end(), '_'), number.end());
            out.push_back({real ? Token::Real : Token::Integer, number});
            i = j;
        } else if (c == '\'' || c == '"') {
            std::string text;
            std::size_t j = i + 1;
            for (; j < s.size() && s[j] != c; ++j) {
                if (s[j] == '\\' && j + 1 < s.size()) {
                    const char e = s[++j];
                    const std::size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 0;
                    if (digits && j + digits < s.size()
                        && std::all_of(s.begin() + std::ptrdiff_t(j + 1), s.begin() + std::ptrdiff_t(j + 1 + digits),
                                       [](char h) { return std::isxdigit(static_cast<unsigned char>(h)) != 0; })) {
                        appendUtf8(text, std::uint32_t(std::stoul(std::string(s.substr(j + 1, digits)), nullptr, 16)));
                        j += digits;
                    } else if (std::string_view("nrt\\'\"").find(e) != std::string_view::npos) {
                        text += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
                    } else { // Python keeps an unknown escape as written
                        text += '\\';
                        text += e;
                    }
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
    //! An expression without a trailing "if ... else": a for loop's iterable, which its "if" filter follows.
    NodePtr operand() { return orExpr(); }
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
    NodePtr make(Node::Kind kind, std::string text = {})
    {
        // Long chains (a ~ b ~ c ...) nest as deeply as parentheses do: every tag's tree is bounded.
        if (++m_nodes > 2000)
            throw SyntaxError("an expression has more than 2,000 parts");
        auto n = std::make_unique<Node>();
        n->kind = kind;
        n->text = std::move(text);
        return n;
    }
    NodePtr binary(std::string op, NodePtr a, NodePtr b)
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
        NodePtr a = additive();
        for (;;) {
            bool matched = false;
            for (const char *op : {"==", "!=", "<=", ">=", "<", ">"})
                if (acceptOp(op)) {
                    a = binary(op, std::move(a), additive());
                    matched = true;
                    break;
                }
            if (matched)
                continue;
            if (acceptWord("in")) {
                a = binary("in", std::move(a), additive());
            } else if (peekWord("not") && m_t[m_i + 1].kind == Token::Identifier && m_t[m_i + 1].text == "in") {
                m_i += 2;
                a = binary("not in", std::move(a), additive());
            } else {
                return a;
            }
        }
    }
    // Jinja's order: + and - bind less tightly than ~, which binds less tightly than * / // %.
    NodePtr additive()
    {
        NodePtr a = concat();
        for (;;) {
            if (acceptOp("+"))
                a = binary("+", std::move(a), concat());
            else if (acceptOp("-"))
                a = binary("-", std::move(a), concat());
            else
                return a;
        }
    }
    NodePtr concat()
    {
        NodePtr a = multiplicative();
        while (acceptOp("~"))
            a = binary("~", std::move(a), multiplicative());
        return a;
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
    //! A unary minus applies before filters and tests, as in Jinja: -1|string is (-1)|string.
    NodePtr unary(bool withFilters = true)
    {
        const Depth guard(m_depth);
        NodePtr n;
        if (acceptOp("-")) {
            n = make(Node::Unary, "-");
            n->kids.push_back(unary(false));
        } else {
            n = postfix(primary());
        }
        return withFilters ? filters(std::move(n)) : std::move(n);
    }
    NodePtr filters(NodePtr a)
    {
        for (;;) {
            if (acceptOp("|")) {
                NodePtr n = make(Node::Filter, identifier());
                n->kids.push_back(std::move(a));
                if (acceptOp("("))
                    arguments(*n);
                a = std::move(n);
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
                n->kids.push_back(m_t[m_i].text == "]" || m_t[m_i].text == ":" ? make(Node::Literal) : expression());
                n->kids.push_back(acceptOp(":") && m_t[m_i].text != "]" ? expression() : make(Node::Literal));
                expectOp("]");
                a = std::move(n);
            } else if (acceptOp("(")) {
                NodePtr n = make(Node::Call);
                n->kids.push_back(std::move(a));
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
    int m_nodes = 0;
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
        if (stripBefore || keepBefore)
            inner.remove_prefix(1);
        const bool stripAfter = !inner.empty() && inner.back() == '-';
        const bool keepAfter = !inner.empty() && inner.back() == '+';
        if (stripAfter || keepAfter)
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
        trimNextNewline = kind != '{' && !stripAfter && !keepAfter; // trim_blocks, unless +%}
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
                TemplateStep s{TemplateStep::Text, p.text, {}, {}, {}, {}, {}, {}};
                out.push_back(std::move(s));
                ++m_i;
                continue;
            }
            if (p.kind == Piece::Output) {
                ExpressionParser e(lexTag(p.text));
                TemplateStep s{TemplateStep::Output, {}, e.expression(), {}, {}, {}, {}, {}};
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
        TemplateStep s{TemplateStep::If, {}, {}, {}, {}, {}, {}, {}};
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
        TemplateStep s{TemplateStep::For, {}, {}, {}, {}, {}, {}, {}};
        do
            s.targets.push_back(e.identifier());
        while (e.acceptOp(","));
        if (!e.acceptWord("in"))
            throw SyntaxError("'{% for %}' needs 'in'");
        s.expr = e.operand();
        if (e.acceptWord("if"))
            s.condition = e.expression();
        if (e.peekWord("recursive"))
            throw SyntaxError("a recursive '{% for %}' is not implemented");
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
        TemplateStep s{TemplateStep::Set, {}, {}, {}, {}, {}, {}, {}};
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

} // namespace

std::vector<TemplateStep> parseTemplate(std::string_view source)
{
    // Jinja reads \r\n and \r as \n and drops one newline at the very end (keep_trailing_newline=False).
    std::string text;
    text.reserve(source.size());
    for (std::size_t i = 0; i < source.size(); ++i) {
        if (source[i] == '\r') {
            text += '\n';
            if (i + 1 < source.size() && source[i + 1] == '\n')
                ++i;
        } else {
            text += source[i];
        }
    }
    if (!text.empty() && text.back() == '\n')
        text.pop_back();
    return TemplateParser(cut(text)).parse();
}

} // namespace shiftscope::jinja
