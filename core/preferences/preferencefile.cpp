#include "preferences/preferencefile.h"

#include "preferences/chattemplate.h"

#include "util/errors.h"
#include "util/inputfile.h"
#include "util/sha256.h"
#include "util/utf8.h"

#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {

using Json = nlohmann::json;
using Messages = std::vector<std::pair<std::string, std::string>>;

constexpr const char *kFormatFix =
    "each record needs \"chosen\" and \"rejected\": strings with a \"prompt\" string (TRL, RewardBench), full "
    "transcripts without one (Anthropic HH), or lists of {\"role\", \"content\"} messages (TRL conversational)";

//! The line (1-based) where each element of a top-level JSON array starts (the text is valid JSON), in one pass.
std::vector<int> arrayElementLines(std::string_view text)
{
    std::vector<int> lines;
    int line = 1;
    int depth = 0;
    bool inString = false, escaped = false, expectValue = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        line += c == '\n';
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (depth == 1 && expectValue && c != ']') {
            lines.push_back(line);
            expectValue = false;
        }
        if (c == '"')
            inString = true;
        else if (c == '[' || c == '{') {
            if (++depth == 1)
                expectValue = true;
        } else if (c == ']' || c == '}')
            --depth;
        else if (c == ',' && depth == 1)
            expectValue = true;
    }
    return lines;
}

class RecordReader {
public:
    RecordReader(const std::filesystem::path &path, std::vector<InputProblem> &problems, const ChatTemplate *chat)
        : m_file(path.string()), m_problems(problems), m_chat(chat)
    {
    }

    void read(const Json &item, int line, std::vector<PreferenceRecord> &out)
    {
        m_line = line;
        const std::size_t before = m_problems.size();
        if (!item.is_object()) {
            problem(std::string("is ") + item.type_name() + ", not an object", kFormatFix);
            return;
        }
        PreferenceRecord r;
        r.line = line;
        if (const auto id = item.find("id"); id != item.end() && !id->is_null()) {
            if (id->is_string())
                r.id = id->get<std::string>();
            else if (id->is_number_unsigned())
                r.id = std::to_string(id->get<std::uint64_t>());
            else if (id->is_number_integer())
                r.id = std::to_string(id->get<std::int64_t>());
            else
                problem("\"id\" is " + std::string(id->type_name()), "make \"id\" a string or a whole number");
        }
        if (const auto subset = item.find("subset"); subset != item.end() && !subset->is_null()) {
            if (subset->is_string() && !subset->get<std::string>().empty())
                r.subset = subset->get<std::string>();
            else
                problem("\"subset\" is not a non-empty string", "name the record's subset, or leave \"subset\" out");
        }
        const auto chosen = item.find("chosen");
        const auto rejected = item.find("rejected");
        const auto prompt = item.find("prompt");
        if (chosen == item.end() || rejected == item.end()) {
            problem(std::string("has no \"") + (chosen == item.end() ? "chosen" : "rejected") + "\"", kFormatFix);
            return;
        }
        if (chosen->is_string() && rejected->is_string()) {
            if (prompt == item.end() || prompt->is_null()) {
                r.format = PreferenceFormat::Transcript;
                TranscriptSplit split = splitTranscripts(chosen->get<std::string>(), rejected->get<std::string>());
                r.prompt = std::move(split.prompt);
                r.chosen = std::move(split.chosen);
                r.rejected = std::move(split.rejected);
            } else if (prompt->is_string()) {
                r.format = PreferenceFormat::Prompted;
                r.prompt = prompt->get<std::string>();
                r.chosen = chosen->get<std::string>();
                r.rejected = rejected->get<std::string>();
            } else {
                problem("\"prompt\" is " + std::string(prompt->type_name()) + " while the responses are strings",
                        "make \"prompt\" a string, or leave it out for full transcripts");
                return;
            }
        } else if (chosen->is_array() && rejected->is_array()) {
            r.format = PreferenceFormat::Conversational;
            Messages chosenMessages, rejectedMessages, promptMessages;
            if (!messages(*chosen, "chosen", chosenMessages) || !messages(*rejected, "rejected", rejectedMessages))
                return;
            if (prompt != item.end() && !prompt->is_null()) {
                if (prompt->is_string())
                    promptMessages = {{"user", prompt->get<std::string>()}};
                else if (!messages(*prompt, "prompt", promptMessages))
                    return;
            } else { // the shared leading messages are the prompt
                std::size_t shared = 0;
                while (shared < chosenMessages.size() && shared < rejectedMessages.size()
                       && chosenMessages[shared] == rejectedMessages[shared])
                    ++shared;
                // The prompt ends before an assistant turn, so that each response starts with one.
                while (shared > 0 && chosenMessages[shared - 1].first == "assistant")
                    --shared;
                promptMessages.assign(chosenMessages.begin(), chosenMessages.begin() + std::ptrdiff_t(shared));
                chosenMessages.erase(chosenMessages.begin(), chosenMessages.begin() + std::ptrdiff_t(shared));
                rejectedMessages.erase(rejectedMessages.begin(), rejectedMessages.begin() + std::ptrdiff_t(shared));
            }
            if (chosenMessages.empty() || rejectedMessages.empty()) {
                problem("\"chosen\" and \"rejected\" have no message after the prompt",
                        "end each conversation with the assistant's answer");
                return;
            }
            if (m_chat) {
                if (!renderWithTemplate(promptMessages, chosenMessages, rejectedMessages, r))
                    return;
            } else {
                r.prompt = ConversationTemplate::prompt(promptMessages);
                r.chosen = ConversationTemplate::response(chosenMessages);
                r.rejected = ConversationTemplate::response(rejectedMessages);
            }
        } else {
            problem("\"chosen\" is " + std::string(chosen->type_name()) + " and \"rejected\" "
                        + std::string(rejected->type_name()),
                    kFormatFix);
            return;
        }
        if (r.chosen.empty() || r.rejected.empty())
            problem(std::string("the ") + (r.chosen.empty() ? "chosen" : "rejected") + " response is empty"
                        + (r.format == PreferenceFormat::Transcript ? " after the common prefix" : ""),
                    r.format == PreferenceFormat::Transcript
                        ? "one transcript continues the other; give the prompt separately as \"prompt\""
                        : "give both responses text");
        else if (r.chosen == r.rejected)
            problem("\"chosen\" and \"rejected\" are the same text", "drop the record, or correct one response");
        if (m_problems.size() == before)
            out.push_back(std::move(r));
    }

    void problem(std::string message, std::string fix)
    {
        m_problems.push_back({m_file, "line " + std::to_string(m_line), std::move(message), std::move(fix)});
    }

private:
    //! The model's chat template: the prompt with its generation prompt, each response what the whole conversation
    //! adds to it.
    bool renderWithTemplate(const Messages &prompt, const Messages &chosen, const Messages &rejected,
                            PreferenceRecord &r)
    {
        auto chat = [](const Messages &m) {
            std::vector<ChatMessage> out;
            for (const auto &[role, content] : m)
                out.push_back({role, content});
            return out;
        };
        try {
            const std::vector<ChatMessage> head = chat(prompt);
            r.prompt = m_chat->render(head, true);
            for (const auto &[messages, out] : {std::pair{&chosen, &r.chosen}, {&rejected, &r.rejected}}) {
                std::vector<ChatMessage> whole = head;
                for (const auto &m : chat(*messages))
                    whole.push_back(m);
                const std::string text = m_chat->render(whole, false);
                if (text.rfind(r.prompt, 0) != 0) {
                    problem("the chat template does not render the conversation as its prompt followed by the answer",
                            "leave out --chat-template to use ShiftScope's documented template");
                    return false;
                }
                *out = text.substr(r.prompt.size());
            }
        } catch (const InputError &e) {
            problem(e.problems().front().message, e.problems().front().fix);
            return false;
        }
        return true;
    }

    bool messages(const Json &list, const char *field, Messages &out)
    {
        if (!list.is_array()) {
            problem(std::string("\"") + field + "\" is " + list.type_name() + ", not a list of messages", kFormatFix);
            return false;
        }
        for (std::size_t i = 0; i < list.size(); ++i) {
            const Json &m = list[i];
            const std::string place = std::string("\"") + field + "\" message " + std::to_string(i + 1);
            if (!m.is_object() || !m.contains("role") || !m.contains("content") || !m["role"].is_string()
                || !m["content"].is_string()) {
                problem(place + " is not {\"role\": ..., \"content\": ...} with string values",
                        "write each message as {\"role\": \"user\", \"content\": \"...\"}");
                return false;
            }
            const std::string role = m["role"].get<std::string>();
            if (role != "system" && role != "user" && role != "assistant") {
                problem(place + " has the role \"" + role + "\"", "use the roles system, user and assistant");
                return false;
            }
            out.emplace_back(role, m["content"].get<std::string>());
        }
        return true;
    }

    std::string m_file;
    std::vector<InputProblem> &m_problems;
    const ChatTemplate *m_chat;
    int m_line = 0;
};

//! The line a problem at `offset` of `text` is on, for the JSON parser's messages.
std::string placeOf(std::string_view text, std::size_t offset)
{
    const TextPosition p = positionOfOffset(text, std::min(offset, text.size()));
    return "line " + std::to_string(p.line) + ", column " + std::to_string(p.column);
}

} // namespace

std::string formatName(PreferenceFormat format)
{
    switch (format) {
    case PreferenceFormat::Prompted: return "prompt/chosen/rejected";
    case PreferenceFormat::Transcript: return "transcripts";
    case PreferenceFormat::Conversational: return "conversational";
    }
    return {};
}

std::string ConversationTemplate::role(const std::string &role)
{
    return role == "user" ? "Human" : role == "assistant" ? "Assistant" : "System";
}

std::string ConversationTemplate::prompt(const Messages &messages)
{
    std::string text;
    for (const auto &[role, content] : messages)
        text += "\n\n" + ConversationTemplate::role(role) + ": " + content;
    return text + "\n\nAssistant:";
}

std::string ConversationTemplate::response(const Messages &messages)
{
    std::string text;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const auto &[role, content] = messages[i];
        if (i == 0 && role == "assistant")
            text += " " + content;
        else
            text += "\n\n" + ConversationTemplate::role(role) + ": " + content;
    }
    return text;
}

TranscriptSplit splitTranscripts(const std::string &chosen, const std::string &rejected)
{
    std::size_t at = 0;
    while (at < chosen.size() && at < rejected.size() && chosen[at] == rejected[at])
        ++at;
    // Never split inside a UTF-8 character: back up to the start of the character (continuation bytes 10xxxxxx).
    while (at > 0 && at < chosen.size() && (static_cast<unsigned char>(chosen[at]) & 0xC0) == 0x80)
        --at;
    if (at > 0 && chosen[at - 1] == ' ')
        --at;
    return {chosen.substr(0, at), chosen.substr(at), rejected.substr(at)};
}

PreferenceFile parsePreferenceText(std::string_view text, const std::filesystem::path &path, const ChatTemplate *chat)
{
    PreferenceFile file;
    file.path = path;
    file.sha256 = Sha256::hex(text);
    std::vector<InputProblem> problems;
    const std::string name = path.string();
    if (const auto bad = firstInvalidUtf8(text))
        throw InputError(
            InputProblem{name, placeOf(text, *bad), "the file is not valid UTF-8", "save the file as UTF-8"});
    RecordReader reader(path, problems, chat);
    std::size_t start = 0;
    while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start])))
        ++start;
    if (start == text.size())
        throw InputError(InputProblem{name,
                                      {},
                                      "the file holds no record",
                                      "write one JSON object per line (JSON Lines) or a JSON array of objects"});
    if (text[start] == '[') { // one JSON array
        checkJsonDepth(text, path);
        Json all;
        try {
            all = Json::parse(text);
        } catch (const Json::parse_error &e) {
            throw InputError(InputProblem{name, placeOf(text, e.byte == 0 ? 0 : e.byte - 1),
                                          "the file is not valid JSON", "correct the JSON at that place"});
        } catch (const Json::out_of_range &) {
            throw InputError(InputProblem{name, {}, "a number in the file is too large", "correct the number"});
        }
        const auto lines = arrayElementLines(text);
        for (std::size_t i = 0; i < all.size(); ++i)
            reader.read(all[i], i < lines.size() ? lines[i] : 0, file.records);
    } else { // JSON Lines
        int line = 0;
        for (std::size_t begin = 0; begin < text.size();) {
            std::size_t end = text.find('\n', begin);
            if (end == std::string_view::npos)
                end = text.size();
            ++line;
            const std::string_view content = text.substr(begin, end - begin);
            begin = end + 1;
            if (content.find_first_not_of(" \t\r") == std::string_view::npos)
                continue;
            Json item;
            try {
                checkJsonDepth(content, path);
                item = Json::parse(content);
            } catch (const Json::parse_error &e) {
                problems.push_back({name, "line " + std::to_string(line) + ", column " + std::to_string(e.byte),
                                    "is not a JSON object on one line",
                                    "write one JSON object per line (JSON Lines), or the whole file as a JSON array"});
                continue;
            } catch (const Json::out_of_range &) {
                problems.push_back(
                    {name, "line " + std::to_string(line), "holds a number too large", "correct the number"});
                continue;
            } catch (const InputError &e) {
                for (auto p : e.problems()) {
                    p.place = "line " + std::to_string(line);
                    problems.push_back(std::move(p));
                }
                continue;
            }
            reader.read(item, line, file.records);
        }
    }
    if (problems.empty() && file.records.empty())
        problems.push_back({name, {}, "the file holds no record", "add records with \"chosen\" and \"rejected\""});
    if (!problems.empty())
        throw InputError(std::move(problems));
    return file;
}

PreferenceFile readPreferenceFile(const std::filesystem::path &path, const ChatTemplate *chat)
{
    const std::string text =
        readInputFile(path, kMaxInputFileBytes, "give a JSON Lines or JSON file of preference pairs");
    return parsePreferenceText(text, path, chat);
}

} // namespace shiftscope
