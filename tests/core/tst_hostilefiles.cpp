// Files a user can be handed that are built to hurt: JSON nested 100,000 levels deep in every loader, pipes and
// devices where a file is expected, sizes no file can back. Each is refused with an InputError (exit 2 on the
// command line) that names the file; none may crash, hang or run out of memory.
#include "enginetestmodels.h" // first: it includes ATen before Qt

#include "engine/cli/enginecommands.h"
#include "engine/model/causallm.h"
#include "engine/model/checkpoint.h"
#include "engine/model/tensorfile.h"
#include "tokenizer/tokenizer.h"
#include "genies/distributionreader.h"
#include "util/errors.h"
#include "util/inputfile.h"
#include "workspace/sqlite.h"
#include "workspace/workspace.h"

#include <limits>

#include <atomic>
#include <fstream>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {

constexpr int kDeep = 100000;

std::string nested(const std::string &open, const std::string &close, const std::string &inner = "1", int depth = kDeep)
{
    std::string text;
    text.reserve(std::size_t(depth) * (open.size() + close.size()) + inner.size());
    for (int i = 0; i < depth; ++i)
        text += open;
    text += inner;
    for (int i = 0; i < depth; ++i)
        text += close;
    return text;
}

const std::string kDeepList = nested("[", "]");

//! The message of the InputError `load` throws, or a failure note when it throws something else or nothing.
std::string refusal(const std::function<void()> &load)
{
    try {
        load();
    } catch (const InputError &e) {
        return e.what();
    } catch (const std::exception &e) {
        return std::string("NOT AN InputError: ") + e.what();
    }
    return "NOT REFUSED";
}

#define QVERIFY_REFUSED(message, expected)                                                                             \
    do {                                                                                                               \
        const std::string m_ = (message);                                                                              \
        QVERIFY2(m_.find(expected) != std::string::npos, m_.c_str());                                                  \
    } while (false)

std::string rawSafetensors(const std::string &header, std::size_t dataBytes)
{
    const std::uint64_t length = header.size();
    return std::string(reinterpret_cast<const char *>(&length), 8) + header + std::string(dataBytes, '\0');
}

} // namespace

class TestHostileFiles : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { registerEngineCommands(); }
    void deepJsonInSafetensorsHeaders();
    void deepJsonInModelFolders();
    void deepJsonInTokenizers();
    void deepJsonInGeniesData();
    void deepJsonInResultsAndForwardInput();
    void pipesAndDevicesAreRefusedAtOnce();
    void layerCountTheWeightsCannotHold();
    void modelsThatCannotScore();
    void unreadableFoldersStopTheWholeImport();
    void folderNamesThatAreNotUtf8();
    void capabilityWithANumberAsReference();
    void concurrentWritersOfOneCacheFile();
    void workspacePathsAreAbsolute();
};

void TestHostileFiles::deepJsonInSafetensorsHeaders()
{
    QTemporaryDir dir;
    const fs::path file = tempPath(dir, "model.safetensors");
    writeText(file,
              rawSafetensors(R"({"w": {"dtype": "F32", "shape": )" + kDeepList + R"(, "data_offsets": [0, 4]}})", 4));
    QVERIFY_REFUSED(refusal([&] { SafetensorsFile::open(file); }), "nests more than 64 levels");
    writeText(file, rawSafetensors(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": )" + kDeepList + "}}", 4));
    QVERIFY_REFUSED(refusal([&] { SafetensorsFile::open(file); }), "model.safetensors");
}

void TestHostileFiles::deepJsonInModelFolders()
{
    QTemporaryDir dir;
    TinyModel m;
    m.shards = 2;
    const fs::path model = writeTinyModel(tempPath(dir, "model"), m);
    const std::string index = readText(model / "model.safetensors.index.json");
    writeText(model / "model.safetensors.index.json",
              R"({"weight_map": {"gpt_neox.embed_in.weight": )" + kDeepList + "}}");
    QVERIFY_REFUSED(refusal([&] { loadCausalLM(model); }), "model.safetensors.index.json: line 1");
    writeText(model / "model.safetensors.index.json", index);
    const std::string config = readText(model / "config.json");
    nlohmann::json c = nlohmann::json::parse(config);
    std::string text = c.dump();
    text.replace(text.find("\"hidden_size\":16"), 16, "\"hidden_size\":" + kDeepList);
    writeText(model / "config.json", text);
    QVERIFY_REFUSED(refusal([&] { loadCausalLM(model); }), "config.json: line 1");
}

void TestHostileFiles::deepJsonInTokenizers()
{
    QTemporaryDir dir;
    const fs::path file = tempPath(dir, "tokenizer.json");
    const std::string model = R"("model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]})";
    const int levels = 10000;
    // 10,000 Sequence normalizers inside each other, and the same for pre-tokenizers.
    writeText(file, "{\"normalizer\": "
                        + nested(R"({"type": "Sequence", "normalizers": [)", "]}", R"({"type": "NFC"})", levels) + ", "
                        + model + "}");
    QVERIFY_REFUSED(refusal([&] { Tokenizer::load(file); }), "tokenizer.json: line 1");
    writeText(file, "{\"pre_tokenizer\": "
                        + nested(R"({"type": "Sequence", "pretokenizers": [)", "]}", R"({"type": "ByteLevel"})", levels)
                        + ", " + model + "}");
    QVERIFY_REFUSED(refusal([&] { Tokenizer::load(file); }), "nests more than");
    // Replace steps that each double every "a": ten of them would turn one "a" into 1,024.
    std::string replaces;
    for (int i = 0; i < 10; ++i)
        replaces += std::string(i ? ", " : "") + R"({"type": "Replace", "pattern": {"String": "a"}, "content": "aa"})";
    writeText(file, R"({"normalizer": {"type": "Sequence", "normalizers": [)" + replaces + "]}, " + model + "}");
    QVERIFY_REFUSED(refusal([&] { Tokenizer::load(file); }), "can make a text more than 64 times longer");
    // A nested merge and a nested dropout.
    writeText(file, R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [)" + kDeepList + "]}}");
    QVERIFY_REFUSED(refusal([&] { Tokenizer::load(file); }), "tokenizer.json");
    writeText(file, R"({"model": {"type": "BPE", "dropout": )" + kDeepList + R"(, "vocab": {"a": 0}, "merges": []}})");
    QVERIFY_REFUSED(refusal([&] { Tokenizer::load(file); }), "tokenizer.json");
}

void TestHostileFiles::deepJsonInGeniesData()
{
    QTemporaryDir dir;
    // A valid example with a deeply nested extra field, and a nested label.
    const fs::path split = tempPath(dir, "d/x/test.json");
    writeText(split, R"([{"prompt": "p", "responses": {"a": 1, "b": 0}, "extra": )" + kDeepList + "}]");
    std::vector<InputProblem> problems;
    DistributionReader::readSplit(split, Split::Test, problems);
    QVERIFY(!problems.empty());
    QVERIFY_REFUSED(problems.front().toString(), "nests more than 64 levels");
    writeText(split, R"([{"prompt": "p", "responses": {"a": )" + kDeepList + R"(, "b": 0}}])");
    problems.clear();
    DistributionReader::readSplit(split, Split::Test, problems);
    QVERIFY(!problems.empty());
    writeText(tempPath(dir, "d/x/train.json"), validSplit(2));
    const auto r =
        runCommand({"--workspace", tempPath(dir, "w.sqlite").string(), "import-data", tempPath(dir, "d").string()});
    QCOMPARE(r.code, 2);
    QVERIFY_REFUSED(r.err, "test.json");
}

void TestHostileFiles::deepJsonInResultsAndForwardInput()
{
    QTemporaryDir dir;
    writeText(tempPath(dir, "results/evaluations/mms/llama-7b-a/a.json"),
              R"({"eval_accuracy": 1.0, "eval_probabilities": )" + kDeepList + "}");
    auto r = runCommand(
        {"--workspace", tempPath(dir, "w.sqlite").string(), "import-results", tempPath(dir, "results").string()});
    QCOMPARE(r.code, 2);
    QVERIFY_REFUSED(r.err, "a.json");

    const fs::path model = writeTinyModel(tempPath(dir, "model"), TinyModel{});
    writeText(tempPath(dir, "cases.json"), R"({"cases": [{"name": "deep", "input_ids": )" + kDeepList + "}]}");
    r = runCommand({"forward", "--model", model.string(), "--input", tempPath(dir, "cases.json").string(), "--out",
                    tempPath(dir, "o.json").string()});
    QCOMPARE(r.code, 2);
    QVERIFY_REFUSED(r.err, "cases.json");
}

void TestHostileFiles::pipesAndDevicesAreRefusedAtOnce()
{
    // Each would block forever (a FIFO waits for a writer) or never end (/dev/zero); they must be refused at once,
    // before any write transaction starts.
    QTemporaryDir dir;
    writeText(tempPath(dir, "d/x/train.json"), validSplit(2));
    QCOMPARE(::mkfifo(tempPath(dir, "d/x/test.json").c_str(), 0600), 0);
    auto r =
        runCommand({"--workspace", tempPath(dir, "w.sqlite").string(), "import-data", tempPath(dir, "d").string()});
    QCOMPARE(r.code, 2);
    QVERIFY_REFUSED(r.err, "test.json: is not a regular file");
    QVERIFY_REFUSED(refusal([] { readInputFile("/dev/zero"); }), "/dev/zero: is not a regular file");
    QVERIFY_REFUSED(refusal([&] { readInputFile(tempPath(dir, "d")); }), "is a folder");
    QVERIFY_REFUSED(refusal([&] { readInputFile(tempPath(dir, "d/x/train.json"), 10); }), "more than the 10 bytes");

    // A symlink loop where a file is expected.
    fs::create_symlink(tempPath(dir, "loop2"), tempPath(dir, "loop1"));
    fs::create_symlink(tempPath(dir, "loop1"), tempPath(dir, "loop2"));
    QVERIFY_REFUSED(refusal([&] { readInputFile(tempPath(dir, "loop1")); }),
                    "loop1: cannot read: Too many levels of symbolic links");
    const fs::path model = writeTinyModel(tempPath(dir, "model"), TinyModel{});
    fs::remove(model / "model.safetensors");
    fs::create_symlink(model / "model.safetensors", model / "model.safetensors");
    QVERIFY_REFUSED(refusal([&] { loadCausalLM(model); }), "model.safetensors");
}

void TestHostileFiles::layerCountTheWeightsCannotHold()
{
    // A config.json claiming a billion layers must not make the loader list a billion layers' tensors.
    QTemporaryDir dir;
    const fs::path model = writeTinyModel(tempPath(dir, "model"), TinyModel{});
    std::string config = readText(model / "config.json");
    config.replace(config.find("\"num_hidden_layers\": 2"), 22, "\"num_hidden_layers\": 1073741824");
    writeText(model / "config.json", config);
    QVERIFY_REFUSED(refusal([&] { loadCausalLM(model); }), "1073741824 layers");
}

void TestHostileFiles::modelsThatCannotScore()
{
    // NaN weights, an end-of-sequence token outside the vocabulary and a tokenizer whose ids the model has no
    // embeddings for: each is refused with exit 2 naming the model, and no score row is written.
    QTemporaryDir dir;
    TinyModel m;
    m.vocab = 128;
    const fs::path data = tempPath(dir, "distributions");
    writeText(data / "toy" / "train.json", validSplit(2));
    writeText(data / "toy" / "test.json", validSplit(3));
    const std::string ws = tempPath(dir, "ws.sqlite").string();
    QCOMPARE(runCommand({"--workspace", ws, "import-data", data.string()}).code, 0);
    auto score = [&](const fs::path &model) {
        return runCommand({"--workspace", ws, "score", "--model", model.string(), "--distribution", "toy"});
    };

    const fs::path nan = writeTinyModel(tempPath(dir, "nan"), m, [](std::vector<TensorValues> &tensors) {
        findTensor(tensors, "gpt_neox.final_layer_norm.weight")->values[3] = std::numeric_limits<float>::quiet_NaN();
    });
    writeText(nan / "tokenizer.json", charTokenizerJson());
    auto r = score(nan);
    QCOMPARE(r.code, 2);
    QVERIFY_REFUSED(r.err, nan.string() + ": the model computes log-probabilities that are NaN or infinite");

    const fs::path eos = writeTinyModel(tempPath(dir, "eos"), m);
    writeText(eos / "tokenizer.json", charTokenizerJson());
    std::string config = readText(eos / "config.json");
    config.replace(config.find("\"eos_token_id\": 2"), 17, "\"eos_token_id\": 500");
    writeText(eos / "config.json", config);
    r = score(eos);
    QCOMPARE(r.code, 2);
    QVERIFY_REFUSED(r.err, "key 'eos_token_id': token 500 is outside the vocabulary of 128 tokens");

    TinyModel small = m;
    small.vocab = 40; // the character tokenizer has about 100 ids
    const fs::path narrow = writeTinyModel(tempPath(dir, "narrow"), small);
    writeText(narrow / "tokenizer.json", charTokenizerJson());
    r = score(narrow);
    QCOMPARE(r.code, 2);
    QVERIFY_REFUSED(r.err, "has embeddings for 40 tokens");

    Workspace workspace = Workspace::open(ws);
    QVERIFY(!Statement(workspace.db(), "SELECT 1 FROM scores").step());
}

namespace {

//! Runs the CLI with `args` in a child process as an unprivileged user (nobody) when this test runs as root, as
//! CI does: root reads every folder whatever its permissions. Returns the exit code and the error output.
CommandOutput runUnprivileged(const std::vector<std::string> &args, const fs::path &errFile)
{
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (::geteuid() == 0
            && (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0
                || ::setresuid(65534, 65534, 65534) != 0))
            ::_exit(90);
        std::ofstream err(errFile);
        std::ostringstream out;
        err << std::flush;
        const int code = runCli(args, out, err);
        err.flush();
        ::_exit(code);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, {}, readText(errFile)};
}

//! Opens `dir` and everything below it to other users, so that the unprivileged child can reach it.
void openToOthers(const fs::path &dir)
{
    fs::permissions(dir, fs::perms::all, fs::perm_options::add);
    for (const auto &entry : fs::recursive_directory_iterator(dir))
        fs::permissions(entry.path(),
                        entry.is_directory() ? fs::perms::all
                                             : fs::perms::all & ~fs::perms::owner_exec & ~fs::perms::group_exec
                                                   & ~fs::perms::others_exec,
                        fs::perm_options::replace);
}

} // namespace

void TestHostileFiles::unreadableFoldersStopTheWholeImport()
{
    // One folder that cannot be read ends neither the walk silently nor with a partial import: every unreadable
    // path is reported, exit 2, and the workspace is left as it was.
    QTemporaryDir dir;
    const fs::path results = tempPath(dir, "results");
    writeText(results / "evaluations/mms/llama-7b-a/a.json", R"({"eval_accuracy": 1.0, "eval_probabilities": [0.9]})");
    writeText(results / "evaluations/mms/llama-7b-b/b.json", R"({"eval_accuracy": 1.0, "eval_probabilities": [0.9]})");
    writeText(results / "evaluations/zero_shot/llama-7b-a/a.json",
              R"({"eval_accuracy": 1.0, "eval_probabilities": [0.8]})");
    const fs::path data = tempPath(dir, "data");
    writeText(data / "a/train.json", validSplit(2));
    writeText(data / "a/test.json", validSplit(2));
    writeText(data / "locked/train.json", validSplit(2));
    writeText(data / "locked/test.json", validSplit(2));
    const std::string ws = tempPath(dir, "w.sqlite").string();
    {
        Workspace w = Workspace::create(ws);
    }
    openToOthers(fs::path(dir.path().toStdString()));
    fs::permissions(results / "evaluations/mms/llama-7b-a", fs::perms::none, fs::perm_options::replace);
    fs::permissions(results / "evaluations/zero_shot", fs::perms::none, fs::perm_options::replace);
    fs::permissions(data / "locked", fs::perms::none, fs::perm_options::replace);

    auto r = runUnprivileged({"--workspace", ws, "import-results", results.string()}, tempPath(dir, "err1.txt"));
    QCOMPARE(r.code, 2);
    QVERIFY_REFUSED(r.err, "llama-7b-a: the folder cannot be read");
    QVERIFY_REFUSED(r.err, "zero_shot: the folder cannot be read");
    r = runUnprivileged({"--workspace", ws, "import-data", data.string()}, tempPath(dir, "err2.txt"));
    QCOMPARE(r.code, 2);
    QVERIFY_REFUSED(r.err, "locked: the folder cannot be read");
    QVERIFY(r.err.find("skipped, it holds neither") == std::string::npos);

    fs::permissions(results / "evaluations/mms/llama-7b-a", fs::perms::owner_all, fs::perm_options::replace);
    fs::permissions(results / "evaluations/zero_shot", fs::perms::owner_all, fs::perm_options::replace);
    fs::permissions(data / "locked", fs::perms::owner_all, fs::perm_options::replace);
    Workspace w = Workspace::open(ws);
    QVERIFY(w.distributions().empty());
    QVERIFY(!Statement(w.db(), "SELECT 1 FROM evaluations").step());
}

void TestHostileFiles::folderNamesThatAreNotUtf8()
{
    // Refused at import with exit 2, before anything is written, so no later JSON output can choke on them.
    QTemporaryDir dir;
    const fs::path data = tempPath(dir, "data");
    writeText(data / "good/train.json", validSplit(2));
    writeText(data / "good/test.json", validSplit(2));
    writeText(data / std::string("bad\xff\xfe") / "train.json", validSplit(2));
    writeText(data / std::string("bad\xff\xfe") / "test.json", validSplit(2));
    const std::string ws = tempPath(dir, "w.sqlite").string();
    const auto r = runCommand({"--workspace", ws, "import-data", data.string(), "--json"});
    QCOMPARE(r.code, 2);
    QVERIFY_REFUSED(r.err, "the folder name is not valid UTF-8");
    QVERIFY(Workspace::open(ws).distributions().empty());
    QCOMPARE(runCommand({"--workspace", ws, "distributions", "--json"}).code, 0);
}

void TestHostileFiles::capabilityWithANumberAsReference()
{
    QTemporaryDir dir;
    writeText(tempPath(dir, "results/target_tuned_capability/llama-7b/x.json"),
              R"({"target_reference": 42, "best_intervention": "mms", "best_intervention_accuracy": 0.9})");
    const auto r = runCommand(
        {"--workspace", tempPath(dir, "w.sqlite").string(), "import-results", tempPath(dir, "results").string()});
    QCOMPARE(r.code, 2);
    QVERIFY_REFUSED(r.err, "x.json: key 'target_reference': is number, not the name of a distribution");
}

void TestHostileFiles::concurrentWritersOfOneCacheFile()
{
    // Two runs extracting the same activations write the same cache chunk at once; each writes its own temporary
    // and renames it into place, so neither fails and the file is always whole.
    QTemporaryDir dir;
    const fs::path file = tempPath(dir, "cache/chunk-00000.safetensors");
    const at::Tensor values = at::arange(4096, at::kFloat);
    std::atomic<int> failures{0};
    auto writer = [&] {
        for (int i = 0; i < 40; ++i) {
            try {
                saveTensors(file, {{"heads", values}});
            } catch (const std::exception &) {
                ++failures;
            }
        }
    };
    std::thread a(writer), b(writer);
    for (int i = 0; i < 40; ++i)
        if (fs::exists(file))
            QVERIFY(requireTensor(loadTensors(file), "heads", file).equal(values));
    a.join();
    b.join();
    QCOMPARE(failures.load(), 0);
    QVERIFY(requireTensor(loadTensors(file), "heads", file).equal(values));
    int leftovers = 0;
    for (const auto &entry : fs::directory_iterator(file.parent_path()))
        leftovers += entry.path().filename().string().find(".partial") != std::string::npos;
    QCOMPARE(leftovers, 0);
}

void TestHostileFiles::workspacePathsAreAbsolute()
{
    // Run artifacts live beside the workspace: a workspace opened by a relative name must still find them from
    // any other folder later.
    QTemporaryDir dir;
    const fs::path before = fs::current_path();
    fs::current_path(dir.path().toStdString());
    {
        Workspace ws = Workspace::create("relative.sqlite");
        QVERIFY(ws.path().is_absolute());
        QCOMPARE(QString::fromStdString(ws.path().string()),
                 QString::fromStdString((fs::current_path() / "relative.sqlite").string()));
    }
    QVERIFY(Workspace::open("relative.sqlite").path().is_absolute());
    fs::current_path(before);
}

QTEST_GUILESS_MAIN(TestHostileFiles)
#include "tst_hostilefiles.moc"
