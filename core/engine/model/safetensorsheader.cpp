#include "engine/model/safetensorsheader.h"

#include "util/errors.h"
#include "util/inputfile.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

namespace shiftscope {

namespace {

using Json = nlohmann::json;

constexpr const char *kReexport =
    "export the weights again with the safetensors library (save_pretrained(..., safe_serialization=True))";

struct DtypeInfo {
    StoredDtype dtype;
    const char *name;
    std::size_t bits;
};

// The format's dtypes and element sizes, as the safetensors library defines them.
constexpr DtypeInfo kDtypes[] = {
    {StoredDtype::BOOL, "BOOL", 8},       {StoredDtype::U8, "U8", 8},           {StoredDtype::I8, "I8", 8},
    {StoredDtype::I16, "I16", 16},        {StoredDtype::U16, "U16", 16},        {StoredDtype::I32, "I32", 32},
    {StoredDtype::U32, "U32", 32},        {StoredDtype::I64, "I64", 64},        {StoredDtype::U64, "U64", 64},
    {StoredDtype::F4, "F4", 4},           {StoredDtype::F6_E2M3, "F6_E2M3", 6}, {StoredDtype::F6_E3M2, "F6_E3M2", 6},
    {StoredDtype::F8_E5M2, "F8_E5M2", 8}, {StoredDtype::F8_E4M3, "F8_E4M3", 8}, {StoredDtype::F8_E8M0, "F8_E8M0", 8},
    {StoredDtype::F16, "F16", 16},        {StoredDtype::BF16, "BF16", 16},      {StoredDtype::F32, "F32", 32},
    {StoredDtype::F64, "F64", 64},        {StoredDtype::C64, "C64", 64},
};

const DtypeInfo &info(StoredDtype dtype)
{
    for (const auto &d : kDtypes)
        if (d.dtype == dtype)
            return d;
    return kDtypes[0];
}

std::optional<StoredDtype> dtypeFromName(std::string_view name)
{
    for (const auto &d : kDtypes)
        if (name == d.name)
            return d.dtype;
    return std::nullopt;
}

//! What a JSON value is, for messages that must not print an untrusted value (it may be nested without bound).
std::string kindOf(const Json &value)
{
    switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::string: return "a string";
    case Json::value_t::array: return "a list";
    case Json::value_t::object: return "an object";
    case Json::value_t::number_integer: return value.get<std::int64_t>() < 0 ? "a negative number" : "a number";
    case Json::value_t::number_float: return "a fractional number";
    default: return "a number";
    }
}

//! Reads one header entry; returns false (after adding a problem) when it is unusable.
bool readEntry(const std::string &name, const Json &value, std::uint64_t dataSize, SafetensorsEntry &entry,
               std::vector<InputProblem> &problems, const std::string &file)
{
    const std::string place = "tensor '" + name + "'";
    auto fail = [&](const std::string &message, const std::string &fix = kReexport) {
        problems.push_back({file, place, message, fix});
        return false;
    };
    if (!value.is_object())
        return fail("the header entry is not an object");
    const auto dtype = value.find("dtype");
    const auto shape = value.find("shape");
    const auto offsets = value.find("data_offsets");
    if (dtype == value.end() || shape == value.end() || offsets == value.end())
        return fail("the header entry lacks dtype, shape or data_offsets");
    if (!dtype->is_string())
        return fail("dtype is not a string");
    const std::string dtypeName = dtype->get<std::string>();
    const auto known = dtypeFromName(dtypeName);
    if (!known)
        return fail("dtype '" + (dtypeName.size() > 40 ? dtypeName.substr(0, 40) + "..." : dtypeName)
                    + "' is not a safetensors dtype (BOOL, U8, I8, I16, U16, I32, U32, I64, U64, F4, F6_E2M3, F6_E3M2, "
                      "F8_E5M2, F8_E4M3, F8_E8M0, F16, BF16, F32, F64, C64)");
    entry.name = name;
    entry.dtype = *known;
    if (!shape->is_array())
        return fail("shape is " + kindOf(*shape) + ", not a list of dimension sizes");
    std::uint64_t elements = 1;
    for (std::size_t i = 0; i < shape->size(); ++i) {
        const Json &dim = (*shape)[i];
        if (!dim.is_number_unsigned() || dim.get<std::uint64_t>() > (std::uint64_t(1) << 40))
            return fail("shape holds something other than dimension sizes (entry " + std::to_string(i) + " is "
                        + kindOf(dim) + (dim.is_number_unsigned() ? " above 2^40" : "") + ")");
        entry.shape.push_back(std::int64_t(dim.get<std::uint64_t>()));
        if (__builtin_mul_overflow(elements, dim.get<std::uint64_t>(), &elements))
            return fail("shape " + shapeText(entry.shape) + " is too large");
    }
    if (!offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned()
        || !(*offsets)[1].is_number_unsigned())
        return fail("data_offsets is " + kindOf(*offsets) + ", not a pair of byte offsets");
    entry.begin = (*offsets)[0].get<std::uint64_t>();
    entry.end = (*offsets)[1].get<std::uint64_t>();
    if (entry.begin > entry.end || entry.end > dataSize)
        return fail("data_offsets [" + std::to_string(entry.begin) + ", " + std::to_string(entry.end)
                        + "] run past the end of the file (the data section holds " + std::to_string(dataSize)
                        + " bytes)",
                    "the file is truncated or its header is damaged; download or export it again");
    std::uint64_t bits = 0;
    if (__builtin_mul_overflow(elements, info(entry.dtype).bits, &bits))
        return fail("shape " + shapeText(entry.shape) + " is too large");
    if (bits % 8 != 0)
        return fail("shape " + shapeText(entry.shape) + " in " + std::string(storedDtypeName(entry.dtype)) + " takes "
                    + std::to_string(bits) + " bits, which is not a whole number of bytes");
    if (bits / 8 != entry.end - entry.begin)
        return fail("shape " + shapeText(entry.shape) + " in " + std::string(storedDtypeName(entry.dtype)) + " needs "
                    + std::to_string(bits / 8) + " bytes but data_offsets span "
                    + std::to_string(entry.end - entry.begin));
    return true;
}

} // namespace

std::string shapeText(const std::vector<std::int64_t> &shape)
{
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

std::string_view storedDtypeName(StoredDtype dtype) { return info(dtype).name; }

std::size_t storedDtypeBits(StoredDtype dtype) { return info(dtype).bits; }

bool isReadableDtype(StoredDtype dtype)
{
    return dtype == StoredDtype::F32 || dtype == StoredDtype::F16 || dtype == StoredDtype::BF16
        || dtype == StoredDtype::F64;
}

std::vector<SafetensorsEntry> parseSafetensorsHeader(std::string_view header, std::uint64_t dataSize,
                                                     const std::filesystem::path &file)
{
    checkJsonDepth(header, file);
    Json json;
    try {
        json = Json::parse(header);
    } catch (const Json::parse_error &e) {
        throw InputError(InputProblem{file.string(), "header, byte " + std::to_string(e.byte),
                                      "the header is not valid JSON", kReexport});
    } catch (const nlohmann::json::out_of_range &) { // a number too large for a double or an integer
        throw InputError(InputProblem{file.string(), {}, "a number in the file is too large to represent", kReexport});
    }
    if (!json.is_object())
        throw InputError(InputProblem{file.string(), "header", "the header is not a JSON object", kReexport});

    std::vector<InputProblem> problems;
    std::vector<SafetensorsEntry> entries;
    for (const auto &[name, value] : json.items()) {
        if (name == "__metadata__")
            continue;
        SafetensorsEntry entry;
        if (readEntry(name, value, dataSize, entry, problems, file.string()))
            entries.push_back(std::move(entry));
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto &a, const auto &b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
    // The format stores tensors back to back: sorted by start, each begins where the one before ended, and the last
    // ends where the file does. A header length that is off by a few bytes, or bytes appended to the file, show up
    // here as a gap or trailing bytes instead of tensors read from the wrong place.
    std::uint64_t covered = 0;
    const SafetensorsEntry *previous = nullptr;
    const std::string coverFix =
        "the header and the data disagree: the file is damaged or was not written by a safetensors "
        "library; download or export it again";
    for (const auto &e : entries) {
        if (e.begin < covered)
            problems.push_back({file.string(), "tensor '" + e.name + "'",
                                "bytes " + std::to_string(e.begin) + ".." + std::to_string(e.end) + " overlap tensor '"
                                    + previous->name + "' (bytes " + std::to_string(previous->begin) + ".."
                                    + std::to_string(previous->end) + ")",
                                kReexport});
        else if (e.begin > covered)
            problems.push_back({file.string(), "tensor '" + e.name + "'",
                                "starts at byte " + std::to_string(e.begin) + " of the data, leaving bytes "
                                    + std::to_string(covered) + ".." + std::to_string(e.begin)
                                    + " that no tensor holds",
                                coverFix});
        if (e.end >= covered) {
            covered = e.end;
            previous = &e;
        }
    }
    if (problems.empty() && covered != dataSize)
        problems.push_back({file.string(), "data",
                            "the tensors end at byte " + std::to_string(covered) + " of the data but the file holds "
                                + std::to_string(dataSize - covered) + " more bytes after them",
                            coverFix});
    if (!problems.empty())
        throw InputError(std::move(problems));
    return entries;
}

} // namespace shiftscope
