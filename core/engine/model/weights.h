#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <vector>

namespace shiftscope {

class Checkpoint;

//! A tensor an architecture expects, named by its checkpoint key.
struct TensorSpec {
    std::string name;
    std::vector<std::int64_t> shape;
    bool optional = false; //!< may be absent; checked when present
    bool keep = true;      //!< false: checked when present, then dropped (a tied head some checkpoints store too)
};

//! A model's weights by checkpoint key, checked against what its architecture expects and converted to the compute
//! dtype and device. Loading is strict: missing, unexpected and mis-shaped tensors are all reported, each named.
class Weights {
public:
    //! Checks the checkpoint against `expected` and loads it. Names ending in one of `ignoredSuffixes` (buffers some
    //! checkpoints carry, such as cached causal masks) are skipped. Throws InputError listing every problem.
    static Weights load(const Checkpoint &checkpoint, const std::vector<TensorSpec> &expected,
                        const std::vector<std::string> &ignoredSuffixes, const std::string &architecture,
                        at::ScalarType dtype, at::Device device);

    bool has(const std::string &name) const { return m_tensors.count(name) > 0; }
    //! Every tensor by name, in name order.
    std::vector<std::pair<std::string, at::Tensor>> named() const;
    //! Adds the tensor `name`, or replaces it (an adapter's merged weights or saved modules).
    void set(const std::string &name, at::Tensor tensor) { m_tensors[name] = std::move(tensor); }
    //! Replaces every tensor by an owned copy that requires gradients.
    void makeTrainable();
    //! The named tensor; throws std::out_of_range for a name that was not loaded (a bug, not bad input).
    const at::Tensor &operator[](const std::string &name) const;

private:
    std::map<std::string, at::Tensor, std::less<>> m_tensors;
};

} // namespace shiftscope
