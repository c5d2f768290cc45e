#include "genies/splitwriter.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace shiftscope {

std::string splitToJson(const std::vector<Example> &examples)
{
    using Json = nlohmann::ordered_json;
    Json root = Json::array();
    for (const auto &example : examples) {
        Json item = Json::object();
        item["prompt"] = example.prompt;
        Json responses = Json::object();
        for (const auto &r : example.responses)
            responses[r.text] = r.label;
        item["responses"] = std::move(responses);
        if (!example.extraJson.empty()) {
            const Json extra = Json::parse(example.extraJson); // items() refers to it: it must outlive the loop
            for (const auto &[key, value] : extra.items())
                item[key] = value;
        }
        root.push_back(std::move(item));
    }
    return root.dump(1) + "\n";
}

void writeSplitFile(const std::filesystem::path &path, const std::vector<Example> &examples)
{
    const std::string text = splitToJson(examples);
    std::filesystem::path temporary = path;
    temporary += ".part";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out)
            throw std::runtime_error(temporary.string() + ": cannot write");
        out.write(text.data(), std::streamsize(text.size()));
        if (!out)
            throw std::runtime_error(temporary.string() + ": write failed (disk full?)");
    }
    std::filesystem::rename(temporary, path);
}

void writeDistribution(const std::filesystem::path &root, const std::string &id, const std::vector<Example> &train,
                       const std::vector<Example> &test)
{
    const auto folder = root / id;
    std::filesystem::create_directories(folder);
    writeSplitFile(folder / "train.json", train);
    writeSplitFile(folder / "test.json", test);
}

} // namespace shiftscope
