#include "engine/model/recompute.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include <mutex>

namespace shiftscope {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

//! What the backward pass needs besides the saved inputs: the block and the generator state it first ran with.
struct SavedBlock : torch::CustomClassHolder {
    RecomputedBlock block;
    std::size_t inputCount = 0;
    std::vector<bool> inputNeedsGradient; // at the first call; the copies backward makes keep it
    at::Device device = at::kCPU;
    at::Tensor generatorState;
};

at::Generator generatorOf(at::Device device) { return at::globalContext().defaultGenerator(device); }

at::Tensor generatorState(at::Device device)
{
    at::Generator generator = generatorOf(device);
    std::lock_guard<std::mutex> lock(generator.mutex());
    return generator.get_state();
}

void setGeneratorState(at::Device device, const at::Tensor &state)
{
    at::Generator generator = generatorOf(device);
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(state);
}

//! The custom autograd node. Inputs arrive as one list: the block's inputs, then the parameters (inputs only so
//! that the node exists when nothing else needs a gradient; their gradients reach them inside backward()).
struct RecomputedFunction : torch::autograd::Function<RecomputedFunction> {
    static variable_list forward(AutogradContext *context, c10::intrusive_ptr<SavedBlock> saved,
                                 at::TensorList all)
    {
        const std::vector<at::Tensor> inputs(all.begin(), all.begin() + std::ptrdiff_t(saved->inputCount));
        saved->generatorState = generatorState(saved->device);
        for (const at::Tensor &input : inputs)
            saved->inputNeedsGradient.push_back(input.requires_grad());
        std::vector<at::Tensor> outputs = saved->block(inputs);
        context->save_for_backward(inputs);
        context->saved_data["parameters"] = std::int64_t(all.size() - saved->inputCount);
        context->saved_data["block"] = at::IValue::make_capsule(std::move(saved));
        return outputs;
    }

    static variable_list backward(AutogradContext *context, variable_list gradients)
    {
        const auto saved = c10::static_intrusive_pointer_cast<SavedBlock>(context->saved_data["block"].toCapsule());
        const variable_list stored = context->get_saved_variables();
        std::vector<at::Tensor> inputs;
        for (std::size_t i = 0; i < stored.size(); ++i) {
            at::Tensor copy = stored[i].detach();
            if (saved->inputNeedsGradient[i])
                copy.requires_grad_(true);
            inputs.push_back(copy);
        }

        // The block again, with the generator as it was, then the generator back where the caller left it.
        const at::Tensor callerState = generatorState(saved->device);
        setGeneratorState(saved->device, saved->generatorState);
        std::vector<at::Tensor> outputs;
        try {
            at::AutoGradMode enable(true);
            outputs = saved->block(inputs);
        } catch (...) {
            setGeneratorState(saved->device, callerState);
            throw;
        }
        setGeneratorState(saved->device, callerState);

        variable_list roots, rootGradients;
        for (std::size_t i = 0; i < outputs.size() && i < gradients.size(); ++i)
            if (gradients[i].defined() && outputs[i].requires_grad()) {
                roots.push_back(outputs[i]);
                rootGradients.push_back(gradients[i]);
            }
        if (!roots.empty())
            torch::autograd::backward(roots, rootGradients);

        variable_list result; // one per forward argument: the SavedBlock (none), then every tensor of the list
        result.emplace_back();
        for (const at::Tensor &input : inputs)
            result.push_back(input.requires_grad() ? input.grad() : at::Tensor());
        result.resize(result.size() + std::size_t(context->saved_data["parameters"].toInt()));
        return result;
    }
};

} // namespace

std::vector<at::Tensor> runRecomputed(const RecomputedBlock &block, const std::vector<at::Tensor> &inputs,
                                      const std::vector<at::Tensor> &parameters)
{
    bool needsGradient = false;
    for (const auto *list : {&inputs, &parameters})
        for (const at::Tensor &t : *list)
            needsGradient = needsGradient || (t.defined() && t.requires_grad());
    if (!needsGradient || !at::GradMode::is_enabled())
        return block(inputs);

    auto saved = c10::make_intrusive<SavedBlock>();
    saved->block = block;
    saved->inputCount = inputs.size();
    for (const at::Tensor &t : inputs)
        if (t.defined()) {
            saved->device = t.device();
            break;
        }
    variable_list all = inputs;
    all.insert(all.end(), parameters.begin(), parameters.end());
    // As a TensorList, so that autograd sees each tensor as an input.
    return RecomputedFunction::apply(std::move(saved), at::TensorList(all));
}

} // namespace shiftscope
