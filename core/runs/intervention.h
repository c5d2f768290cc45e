#pragma once

#include "data/types.h"
#include "util/progress.h"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace shiftscope {

//! A documented, user-changeable parameter of an intervention.
struct ParameterSpec {
    std::string name;
    std::string defaultValue;
    std::string description;
};

//! Everything an intervention may read while it trains or evaluates.
struct InterventionContext {
    std::filesystem::path modelDir;                //!< empty for interventions that need no model
    std::filesystem::path adapterDir;              //!< a PEFT LoRA adapter applied to the model, or empty
    std::string modelHash;                         //!< identifies the model's (and adapter's) contents (cache keys)
    std::map<std::string, std::string> parameters; //!< defaults merged with the user's values
    std::uint64_t seed = 0;
    std::filesystem::path artifactDir; //!< where train() saves what it learned
    //! Shared by every run of the workspace (activation caches); entries must be keyed by what they depend on.
    std::filesystem::path cacheDir;
    std::string trainDistribution; //!< what train() is given (empty when the intervention trains nothing)
    std::string trainDataHash;     //!< that distribution's content hash in the workspace
    std::string evalDistribution;  //!< what evaluate() is currently called for
    std::string evalDataHash;
    //! Where interventions that load a model compute: "cpu" or "cuda". How a run executes, not what it is, so it
    //! is not a parameter.
    std::string device = "cpu";
    ProgressCallback progress;
};

//! Which head a model intervention needs on its model.
enum class ModelHeadUse {
    Any,           //!< reads hidden states only (probes, lora, prompt_tuning)
    LanguageModel, //!< next-token log-probabilities (zero_shot, few_shot)
    Classifier,    //!< a sequence-classification head (reward_model)
};

//! A method that is trained on a source distribution and then gives, for every pair of an evaluated split, the
//! probability of the preferred response. Pairs are in GENIES "all pairs" order (reference 1.3).
class Intervention {
public:
    virtual ~Intervention() = default;
    virtual std::string name() const = 0;
    virtual std::vector<ParameterSpec> parameters() const = 0;
    //! True when train() does something (zero_shot and random do not).
    virtual bool trains() const { return true; }
    //! Whether it computes with a language model, so a run of it needs a model folder.
    virtual bool needsModel() const { return false; }
    //! The head the model must have, checked before a run is written.
    virtual ModelHeadUse modelHead() const { return ModelHeadUse::Any; }
    //! Credit for a pair whose probability is exactly 0.5: 1 by GENIES' rule (argmax-first with the preferred
    //! response first), 0.5 for methods that give no preference at all.
    virtual double tieCredit() const { return 1.0; }
    virtual void train(const InterventionContext &context, const std::vector<Example> &trainExamples) = 0;
    //! Restores what train() saved in `context.artifactDir` (after a resume).
    virtual void load(const InterventionContext &context) = 0;
    //! Probabilities for `pairs` (a batch); called batch by batch so runs can commit and cancel between batches.
    virtual std::vector<double> evaluate(const InterventionContext &context, const std::vector<Example> &examples,
                                         const std::vector<PairRef> &pairs) = 0;
};

using InterventionFactory = std::function<std::unique_ptr<Intervention>()>;

//! Interventions by name. Core registers those that need no model; the engine library registers the others.
class InterventionRegistry {
public:
    static InterventionRegistry &instance();
    void add(const std::string &name, InterventionFactory factory);
    std::unique_ptr<Intervention> create(const std::string &name) const;
    std::vector<std::string> names() const;

private:
    std::map<std::string, InterventionFactory> m_factories;
};

//! Parameters with defaults filled in; throws InputError for an unknown key or a malformed "key=value".
std::map<std::string, std::string> resolveParameters(const Intervention &intervention,
                                                     const std::vector<std::string> &assignments);

} // namespace shiftscope
