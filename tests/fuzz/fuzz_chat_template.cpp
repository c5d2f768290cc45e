// A model folder's tokenizer_config.json with its chat template, as import-preferences --chat-template reads and
// renders it.
#include "fuzztarget.h"

#include "preferences/chattemplate.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace shiftscope;
    const auto file = fuzz::writeScratch("model/tokenizer_config.json", fuzz::text(data, size));
    return fuzz::expectLoadedOrRefused([&] {
        const ChatTemplate chat = ChatTemplate::fromModelFolder(file.parent_path());
        chat.render({{"system", "Be kind."}, {"user", "Hi"}, {"assistant", "Hello"}}, true);
    });
}
