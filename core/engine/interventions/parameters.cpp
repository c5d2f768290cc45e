#include "engine/interventions/parameters.h"

#include "util/errors.h"

#include <algorithm>
#include <random>

namespace shiftscope {

namespace {

const std::string &rawValue(const InterventionContext &context, const std::string &name)
{
    const auto it = context.parameters.find(name);
    if (it == context.parameters.end())
        throw std::logic_error("parameter '" + name + "' has no value");
    return it->second;
}

[[noreturn]] void badValue(const std::string &name, const std::string &value, const std::string &expected)
{
    throw InputError(InputProblem{
        {}, "--param " + name + "=" + value, "'" + value + "' is not " + expected, "give " + name + " " + expected});
}

} // namespace

double realParameter(const InterventionContext &context, const std::string &name, double min, double max)
{
    const std::string &text = rawValue(context, name);
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception &) {
        used = 0;
    }
    const std::string range = "a number in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
    if (used == 0 || used != text.size() || !(value >= min && value <= max))
        badValue(name, text, range);
    return value;
}

int intParameter(const InterventionContext &context, const std::string &name, int min, int max)
{
    const std::string &text = rawValue(context, name);
    std::size_t used = 0;
    long long value = 0;
    try {
        value = std::stoll(text, &used);
    } catch (const std::exception &) {
        used = 0;
    }
    if (used == 0 || used != text.size() || value < min || value > max)
        badValue(name, text, "a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    return int(value);
}

bool boolParameter(const InterventionContext &context, const std::string &name)
{
    const std::string &text = rawValue(context, name);
    if (text == "true" || text == "1" || text == "yes")
        return true;
    if (text == "false" || text == "0" || text == "no")
        return false;
    badValue(name, text, "true or false");
}

std::string choiceParameter(const InterventionContext &context, const std::string &name,
                            const std::vector<std::string> &choices)
{
    const std::string &text = rawValue(context, name);
    if (std::find(choices.begin(), choices.end(), text) != choices.end())
        return text;
    std::string list;
    for (const auto &c : choices)
        list += (list.empty() ? "" : " or ") + c;
    badValue(name, text, list);
}

ParameterSpec precisionParameter(const std::string &what)
{
    return {"precision", "float32",
            "float32, or bfloat16: the frozen model computes in bfloat16 (faster where the CPU has bfloat16 "
            "instructions, half its memory); "
                + what};
}

bool bfloat16Asked(const InterventionContext &context)
{
    if (context.parameters.find("precision") == context.parameters.end())
        return false;
    return choiceParameter(context, "precision", {"float32", "bfloat16"}) == "bfloat16";
}

std::vector<PairRef> onePairPerExample(const std::vector<Example> &examples, std::uint64_t seed)
{
    std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
    std::vector<PairRef> pairs;
    for (const Example &e : examples) {
        const int preferred = e.preferredIndex();
        if (preferred < 0 || e.responses.size() < 2)
            continue;
        std::vector<int> others;
        for (int i = 0; i < int(e.responses.size()); ++i)
            if (i != preferred)
                others.push_back(i);
        const int pick = others[std::uniform_int_distribution<std::size_t>(0, others.size() - 1)(rng)];
        pairs.push_back({e.position, preferred, pick});
    }
    return pairs;
}

std::vector<std::size_t> exampleIndexByPosition(const std::vector<Example> &examples)
{
    int last = 0;
    for (const Example &e : examples)
        last = std::max(last, e.position);
    std::vector<std::size_t> index(std::size_t(last) + 1, std::size_t(-1));
    for (std::size_t i = 0; i < examples.size(); ++i)
        index[std::size_t(examples[i].position)] = i;
    return index;
}

std::vector<std::size_t> exampleIndicesOf(const std::vector<Example> &examples, const std::vector<PairRef> &pairs)
{
    const auto indexOf = exampleIndexByPosition(examples);
    std::vector<std::size_t> indices;
    for (const PairRef &p : pairs)
        indices.push_back(indexOf.at(std::size_t(p.examplePosition)));
    return indices;
}

std::vector<Example> firstExamples(const InterventionContext &context, const std::vector<Example> &examples)
{
    const int maxExamples = intParameter(context, "max_examples", 0, 1 << 30);
    if (maxExamples == 0 || int(examples.size()) <= maxExamples)
        return examples;
    return {examples.begin(), examples.begin() + maxExamples};
}

std::vector<std::size_t> labelledIndices(const std::vector<Example> &examples)
{
    std::vector<std::size_t> indices;
    for (std::size_t i = 0; i < examples.size(); ++i)
        if (examples[i].preferredIndex() >= 0)
            indices.push_back(i);
    return indices;
}

} // namespace shiftscope
