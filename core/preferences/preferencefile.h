#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace shiftscope {

class ChatTemplate;

//! The layouts of preference data people already have, each record told apart by its fields.
enum class PreferenceFormat {
    Prompted,       //!< TRL / RewardBench: "prompt", "chosen", "rejected" strings
    Transcript,     //!< Anthropic HH: "chosen" and "rejected" full transcripts, the prompt their common prefix
    Conversational, //!< TRL's conversational form: lists of {"role", "content"} messages
};

std::string formatName(PreferenceFormat format);

//! One preference pair, its prompt and responses as text.
struct PreferenceRecord {
    int line = 0;       //!< the line of the file where the record starts (1-based)
    std::string id;     //!< the record's "id" (a string or a number), or empty
    std::string subset; //!< the record's "subset", or empty
    PreferenceFormat format = PreferenceFormat::Prompted;
    std::string prompt;
    std::string chosen;
    std::string rejected;
};

//! A preference file read whole: JSON Lines (one object per line) or one JSON array of objects.
struct PreferenceFile {
    std::filesystem::path path;
    std::string sha256; //!< of the file's bytes
    std::vector<PreferenceRecord> records;
};

//! Renders a conversation with the template ShiftScope documents (docs/FORMATS.md, "Preference data"): each
//! message as "\n\n" + Role + ": " + content (Role: System, Human for "user", Assistant), HH's layout. A prompt ends
//! with "\n\nAssistant:"; a response starts with " " + its first assistant message.
struct ConversationTemplate {
    static std::string role(const std::string &role);
    static std::string prompt(const std::vector<std::pair<std::string, std::string>> &messages);
    static std::string response(const std::vector<std::pair<std::string, std::string>> &messages);
};

//! Splits two transcripts at their longest common prefix, as TRL's extract_prompt does (a space just before the
//! split point moves into the responses); the prefix never ends inside a UTF-8 character.
struct TranscriptSplit {
    std::string prompt, chosen, rejected;
};
TranscriptSplit splitTranscripts(const std::string &chosen, const std::string &rejected);

//! Reads and checks a preference file; throws InputError listing every bad record with its line number (nothing is
//! returned for a file with any problem). Conversations are rendered with `chat` when given (the prompt with the
//! template's generation prompt, each response as what the whole conversation adds to it, as TRL does), else with
//! ConversationTemplate.
PreferenceFile readPreferenceFile(const std::filesystem::path &path, const ChatTemplate *chat = nullptr);
//! The same for text already in memory; `path` only names the file in messages.
PreferenceFile parsePreferenceText(std::string_view text, const std::filesystem::path &path,
                                   const ChatTemplate *chat = nullptr);

} // namespace shiftscope
