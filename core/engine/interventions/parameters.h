#pragma once

#include "runs/intervention.h"

#include <cstdint>
#include <string>
#include <vector>

namespace shiftscope {

//! Typed access to an intervention's resolved parameters. Each throws InputError naming the parameter and the
//! accepted range when the value does not parse or is out of range.
double realParameter(const InterventionContext &context, const std::string &name, double min, double max);
int intParameter(const InterventionContext &context, const std::string &name, int min, int max);
bool boolParameter(const InterventionContext &context, const std::string &name);
std::string choiceParameter(const InterventionContext &context, const std::string &name,
                            const std::vector<std::string> &choices);

//! The `precision` parameter of interventions that run the frozen model: float32 (default) or bfloat16.
ParameterSpec precisionParameter(const std::string &what);
//! True when the context asks for precision=bfloat16; InputError for a value other than float32 or bfloat16. A
//! context without the parameter is float32.
bool bfloat16Asked(const InterventionContext &context);

//! One pair per example (the preferred response and one dispreferred response drawn with `seed`), as GENIES
//! trains reward models and probes; examples without a preferred and a dispreferred response are skipped.
std::vector<PairRef> onePairPerExample(const std::vector<Example> &examples, std::uint64_t seed);

//! Index of each example by position, for looking up the examples of a batch of pairs.
std::vector<std::size_t> exampleIndexByPosition(const std::vector<Example> &examples);

//! For each pair, the index in `examples` of the example it comes from.
std::vector<std::size_t> exampleIndicesOf(const std::vector<Example> &examples, const std::vector<PairRef> &pairs);

//! The examples a probe trains on: the first max_examples of them (the parameter's 0: all).
std::vector<Example> firstExamples(const InterventionContext &context, const std::vector<Example> &examples);
//! The indices of the examples that have a preferred response.
std::vector<std::size_t> labelledIndices(const std::vector<Example> &examples);

} // namespace shiftscope
