#pragma once

#include "data/types.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shiftscope {

//! Something of a response's text that a method may prefer instead of what the preference is about: its length, a
//! regular expression (a marker word, a persona phrase) or a list of words. A pair's cue points at the response
//! where it is stronger (longer, more matches); where both are equal the cue says nothing about the pair.
class Cue {
public:
    enum class Kind { Length, Regex, Words };

    //! Characters of the response (UTF-8 code points).
    static Cue length();
    //! Matches of an ECMAScript regular expression; InputError naming `place` (e.g. "--regex") when it does not
    //! compile or can match the empty string.
    static Cue regex(const std::string &pattern, const std::string &place);
    //! Whole-word, case-insensitive occurrences of any of `words`; InputError naming `file` when there is none.
    static Cue words(const std::vector<std::string> &words, const std::string &file);

    Kind kind() const { return m_kind; }
    //! "length", "regex /Sure!/", "words from FILE (12)".
    std::string describe() const { return m_description; }
    //! The cue's strength in a text: its length, or how often it matches.
    double strength(const std::string &text) const;
    //! Whether the cue is a piece of text that can be taken out of a response or moved to the other one.
    bool movable() const { return m_kind != Kind::Length; }
    //! `text` without the cue's matches (and the space that separated each from its neighbour).
    std::string removed(const std::string &text) const;
    //! The matched pieces of `text`, in order, and whether the first one opens the text.
    std::vector<std::string> matches(const std::string &text, bool *atStart = nullptr) const;

private:
    Cue() = default;
    struct Compiled;
    Kind m_kind = Kind::Length;
    std::string m_description;
    std::shared_ptr<const Compiled> m_compiled;
};

//! How a counterfactual target is built from the cue.
enum class CounterfactualKind {
    None,   //!< no counterfactual
    Remove, //!< the cue's matches are taken out of every response
    Swap,   //!< in a two-response example where only one response has the cue, the matches move to the other one
};

//! The counterfactual examples, in the same order and with the same labels, and how many pairs it changed.
struct Counterfactual {
    std::vector<Example> examples;
    int changedPairs = 0;
};
Counterfactual buildCounterfactual(const std::vector<Example> &examples, const Cue &cue, CounterfactualKind kind);

//! What the cue explains of a method's preferences on one split's pairs.
struct CueFigures {
    int pairs = 0;
    int cuePairs = 0;                         //!< pairs where the cue points at one response
    std::optional<double> cueAccuracy;        //!< over cuePairs: the cue points at the preferred response
    std::optional<double> agreement;          //!< over cuePairs: the method prefers the response the cue points at
    std::optional<double> partialCorrelation; //!< of the method's preference with the cue, the label held fixed
    std::optional<double> accuracy;           //!< the method's accuracy over every pair (p >= 0.5)
};

//! The figures of `p` (the probability the method gives each pair's preferred response, pairs in GENIES order)
//! on `examples`. Agreement counts a pair at exactly 0.5 as half. The partial correlation is Pearson's between
//! the method's preference (2p − 1) and the cue's sign with the label as control, each pair counted in both of its
//! orders; none where the cue's sign equals the label, or its opposite, on every pair.
CueFigures cueFigures(const std::vector<Example> &examples, const std::vector<double> &p, const Cue &cue);

} // namespace shiftscope
