#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! A chat message: role ("system", "user", "assistant") and content.
struct ChatMessage {
    std::string role;
    std::string content;
    bool operator==(const ChatMessage &) const = default;
};

//! A model's chat template (chat_template.jinja, or the Jinja `chat_template` of tokenizer_config.json) rendered the
//! way transformers renders it: Jinja with trim_blocks and lstrip_blocks, `messages`, `add_generation_prompt`,
//! `bos_token`, `eos_token`, `tools` and `documents` (None), `raise_exception`, `strftime_now` and `tojson`. The
//! renderer implements the part of Jinja that chat templates use (docs/FORMATS.md lists it). Statements it does not
//! implement are refused when the template is read; filters, tests, methods and functions when a rendering reaches
//! them. Work, nesting and output are bounded, so a hostile template is refused rather than run for ever.
class ChatTemplate {
public:
    ChatTemplate();
    ~ChatTemplate();
    ChatTemplate(ChatTemplate &&) noexcept;
    ChatTemplate &operator=(ChatTemplate &&) noexcept;

    //! Parses `source`; `origin` names it in messages (a file). Throws InputError on what it cannot render.
    static ChatTemplate parse(std::string_view source, const std::string &origin);
    //! The chat template of a model or tokenizer folder's tokenizer_config.json (a string, or the entry named
    //! "default" of a list), with its bos_token and eos_token. Throws InputError when there is none.
    static ChatTemplate fromModelFolder(const std::filesystem::path &dir);

    //! Renders `messages`; with `addGenerationPrompt` the template's opening of the assistant's next turn.
    //! Throws InputError (the template's raise_exception, or an operation on values of the wrong kind).
    std::string render(const std::vector<ChatMessage> &messages, bool addGenerationPrompt) const;

    std::string bosToken;
    std::string eosToken;
    const std::string &origin() const;

private:
    struct Program;
    std::unique_ptr<Program> m_program;
};

} // namespace shiftscope
