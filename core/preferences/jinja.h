#pragma once

// The values and syntax of the Jinja subset ChatTemplate renders (core/preferences/chattemplate.h says which).
// Internal to the preferences folder.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace shiftscope::jinja {

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

//! "a string", "a list", ...: a value's kind for messages.
std::string kindOf(const Value &value);
//! Python's truth of a value.
bool truthy(const Value &value);
//! What {{ value }} prints, as Python's str() does.
std::string toText(const Value &value);
//! Python's == between values.
bool equal(const Value &a, const Value &b);

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
    NodePtr condition;                                               // For: the "if" that filters its items
};

class SyntaxError {
public:
    explicit SyntaxError(std::string message) : what(std::move(message)) {}
    std::string what;
};

//! Tokens of one {{ }} or {% %} tag.

//! The template's steps, whitespace handled as transformers' Jinja environment does (trim_blocks, lstrip_blocks,
//! the - and + markers). Throws SyntaxError naming what it cannot parse.
std::vector<TemplateStep> parseTemplate(std::string_view source);

} // namespace shiftscope::jinja
