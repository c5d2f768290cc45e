#include "engine/model/weights.h"

#include "engine/model/checkpoint.h"
#include "util/errors.h"

#include <ATen/ATen.h>
#include <set>

namespace shiftscope {

namespace {

constexpr std::size_t kMaxListed = 12; // per kind; a checkpoint of another architecture would list hundreds

bool endsWith(const std::string &text, const std::string &suffix)
{
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

//! Collects problems of one kind, keeping the first kMaxListed and counting the rest.
struct ProblemList {
    std::vector<InputProblem> problems;
    std::size_t dropped = 0;

    void add(InputProblem p)
    {
        if (problems.size() < kMaxListed)
            problems.push_back(std::move(p));
        else
            ++dropped;
    }
    void appendTo(std::vector<InputProblem> &out, const std::string &file, const std::string &kind)
    {
        out.insert(out.end(), problems.begin(), problems.end());
        if (dropped > 0)
            out.push_back({file, {}, std::to_string(dropped) + " more " + kind, {}});
    }
};

} // namespace

Weights Weights::load(const Checkpoint &checkpoint, const std::vector<TensorSpec> &expected,
                      const std::vector<std::string> &ignoredSuffixes, const std::string &architecture,
                      at::ScalarType dtype, at::Device device)
{
    const std::string dir = checkpoint.dir().string();
    const std::string configFix = "check that config.json belongs to these weights (sizes, layer count, architecture)";
    ProblemList missing, misshaped, unreadable, unexpected;
    std::set<std::string> known;
    for (const auto &spec : expected) {
        known.insert(spec.name);
        const SafetensorsEntry *entry = checkpoint.find(spec.name);
        if (!entry) {
            if (!spec.optional)
                missing.add({dir, "tensor '" + spec.name + "'",
                             "missing (expected shape " + shapeText(spec.shape) + ")", configFix});
            continue;
        }
        if (!isReadableDtype(entry->dtype))
            unreadable.add(
                {dir, "tensor '" + spec.name + "'",
                 "is stored as " + std::string(storedDtypeName(entry->dtype))
                     + ", which the engine cannot use as a weight (it reads F32, F16, BF16 and F64)",
                 "convert the model's floating-point weights to float32, float16 or bfloat16 and save it again"});
        else if (entry->shape != spec.shape)
            misshaped.add({dir, "tensor '" + spec.name + "'",
                           "shape disagrees with config.json: got " + shapeText(entry->shape) + ", expected "
                               + shapeText(spec.shape),
                           configFix});
    }
    for (const auto &name : checkpoint.names()) {
        if (known.count(name))
            continue;
        const bool ignored = std::any_of(ignoredSuffixes.begin(), ignoredSuffixes.end(),
                                         [&](const std::string &s) { return endsWith(name, s); });
        if (!ignored)
            unexpected.add({dir, "tensor '" + name + "'",
                            "unexpected: a " + architecture + " with this config.json has no such tensor", configFix});
    }
    std::vector<InputProblem> problems;
    missing.appendTo(problems, dir, "missing tensors");
    misshaped.appendTo(problems, dir, "tensors with the wrong shape");
    unreadable.appendTo(problems, dir, "tensors in a dtype the engine cannot read");
    unexpected.appendTo(problems, dir, "unexpected tensors");
    if (!problems.empty())
        throw InputError(std::move(problems));

    Weights weights;
    for (const auto &spec : expected) {
        if (!spec.keep || !checkpoint.find(spec.name))
            continue;
        // A no-op for float32 weights computed in float32 on the CPU: the tensor stays a view of the mapped file.
        weights.m_tensors.emplace(spec.name, checkpoint.tensor(spec.name).to(device, dtype).contiguous());
    }
    return weights;
}

std::vector<std::pair<std::string, at::Tensor>> Weights::named() const { return {m_tensors.begin(), m_tensors.end()}; }

void Weights::makeTrainable()
{
    for (auto &[name, tensor] : m_tensors)
        tensor = tensor.detach().clone().requires_grad_(true);
}

const at::Tensor &Weights::operator[](const std::string &name) const
{
    const auto it = m_tensors.find(name);
    if (it == m_tensors.end())
        throw std::out_of_range("weight '" + name + "' was not loaded");
    return it->second;
}

} // namespace shiftscope
