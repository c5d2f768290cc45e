#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <vector>

// Activation checkpointing: a piece of a forward pass that keeps only its inputs for the backward pass and runs
// again there, so training holds one block's intermediate activations at a time instead of every block's.
namespace shiftscope {

//! Maps a block's inputs to its outputs; called once in the forward pass and once more in the backward pass, with
//! inputs of equal values. It may read tensors it captured (weights, masks) but must not write anything the
//! second call would see.
using RecomputedBlock = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor> &inputs)>;

//! Runs `block` on `inputs` without recording its operations for autograd, and returns its outputs wired into the
//! autograd graph as one node. Backward runs `block` again with autograd on, restoring the random generator of
//! the inputs' device to its state at the first call (so dropout draws the same masks), and passes the gradients
//! to the inputs; tensors in `parameters` (trainable leaves the block reads, such as adapters) receive theirs in
//! their .grad, as loss.backward() gives them. Without autograd (no input or parameter requires a gradient, or
//! gradient mode is off) `block` simply runs.
std::vector<at::Tensor> runRecomputed(const RecomputedBlock &block, const std::vector<at::Tensor> &inputs,
                                      const std::vector<at::Tensor> &parameters);

} // namespace shiftscope
