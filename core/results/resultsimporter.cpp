#include "results/resultsimporter.h"

#include "metrics/geniesmetrics.h"
#include "util/inputfile.h"
#include "results/evaluationfile.h"
#include "results/evaluationpath.h"
#include "results/generalizationtable.h"
#include "util/errors.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>

namespace shiftscope {

namespace fs = std::filesystem;

namespace {

const char *const kResultFolders[] = {"evaluations", "generalization_metrics", "target_tuned_capability"};

std::string readAll(const fs::path &path)
{
    std::string text = readInputFile(path, kMaxInputFileBytes, "check its permissions");
    if (path.extension() == ".json")
        checkJsonDepth(text, path);
    return text;
}

//! The files with `extension` below `root`, sorted. Every folder or entry that cannot be read is added to
//! `problems` by path: the walk goes on, so all of them are reported, and the import then writes nothing.
std::vector<fs::path> filesBelow(const fs::path &root, const std::string &extension,
                                 std::vector<InputProblem> &problems)
{
    std::vector<fs::path> files;
    std::error_code ec;
    if (!fs::is_directory(root, ec))
        return files;
    std::vector<fs::path> pending{root};
    while (!pending.empty()) {
        const fs::path dir = pending.back();
        pending.pop_back();
        fs::directory_iterator it(dir, ec);
        if (ec) {
            problems.push_back(
                {dir.string(), {}, "the folder cannot be read: " + ec.message(), "check its permissions"});
            continue;
        }
        for (; it != fs::directory_iterator(); it.increment(ec)) {
            std::error_code entryError;
            if (it->is_directory(entryError))
                pending.push_back(it->path());
            else if (it->path().extension() == extension && !entryError)
                files.push_back(it->path());
            else if (entryError && it->path().extension() == extension)
                problems.push_back({it->path().string(),
                                    {},
                                    "cannot be read: " + entryError.message(),
                                    "check the file and its permissions"});
        }
        if (ec)
            problems.push_back(
                {dir.string(), {}, "the folder cannot be listed to the end: " + ec.message(), "check its permissions"});
    }
    std::sort(files.begin(), files.end());
    return files;
}

//! An evaluation file read and checked, ready to be written.
struct ParsedEvaluation {
    fs::path file;
    std::string relative;
    EvaluationPath where;
    EvaluationFile content;
    GeniesMetrics recomputed;
    double corrected = 0;
    bool hard = false;
    std::vector<std::pair<std::string, std::string>> flags; //!< kind, message
    std::optional<InputProblem> problem;
};

std::string fmt(double v)
{
    std::ostringstream out;
    out.precision(10);
    out << v;
    return out.str();
}

void check(ParsedEvaluation &e)
{
    const EvaluationFile &c = e.content;
    if (!c.distribution.empty() && c.distribution != e.where.evaluatedDistribution)
        e.flags.emplace_back("distribution_differs", "the file says it evaluates " + c.distribution + " but is named "
                                                         + e.where.evaluatedDistribution);
    if (!c.hasProbabilities) {
        if (e.where.intervention == "ccs")
            e.flags.emplace_back("no_probabilities",
                                 "ccs stores no per-pair probabilities; its accuracy is per response "
                                 "and sign-symmetrised (at least 0.5), so it is not comparable");
        return;
    }
    const auto &p = c.probabilities;
    if (std::any_of(p.begin(), p.end(), [](double v) { return v < 0.0 || v > 1.0; }))
        e.flags.emplace_back("probability_out_of_range", "some probabilities lie outside [0, 1]");
    if (p.empty())
        return;
    e.recomputed = computeGeniesMetrics(p);
    e.corrected = correctedRmsCalibrationError(p);
    e.hard = isHardProbabilities(p);
    if (e.hard)
        e.flags.emplace_back("hard_probabilities", "every probability is 0 or 1 (thresholded predictions): Brier = 1 - "
                                                   "accuracy and the calibration error is degenerate");
    // Generalization files were recomputed in float64; originals from fp16 models store rounded averages.
    const double tolerance = c.hasRmsKey ? 1e-9 : 3e-4;
    auto compare =
        [&](const char *kind, const char *name, std::optional<double> stored, double recomputed, double tol) {
        if (!stored)
            return;
        if (std::isnan(recomputed) && std::isnan(*stored))
            return;
        if (!(std::fabs(*stored - recomputed) <= tol))
            e.flags.emplace_back(kind, std::string("stored ") + name + " " + fmt(*stored)
                                           + " but the probabilities give " + fmt(recomputed));
    };
    compare("accuracy_differs", "accuracy", c.accuracy, e.recomputed.accuracy, 1e-6);
    compare("brier_differs", "Brier score", c.brierScore, e.recomputed.brierScore, tolerance);
    compare("average_differs", "average probability", c.averageProbability, e.recomputed.averageProbability, tolerance);
    if (c.hasRmsKey) {
        if (!c.rmsCalibrationError && std::isnan(e.recomputed.rmsCalibrationError)) {
        } else if (!c.rmsCalibrationError) {
            e.flags.emplace_back("rms_differs", "stored RMS calibration error NaN but the probabilities give "
                                                    + fmt(e.recomputed.rmsCalibrationError));
        } else {
            compare("rms_differs", "RMS calibration error", c.rmsCalibrationError, e.recomputed.rmsCalibrationError,
                    1e-9);
        }
    }
}

ParsedEvaluation parseOne(const fs::path &file, const fs::path &resultsDir)
{
    ParsedEvaluation e;
    e.file = file;
    e.relative = fs::relative(file, resultsDir).generic_string();
    const auto where = parseEvaluationPath(fs::relative(file, resultsDir / "evaluations"));
    if (!where) {
        e.problem =
            InputProblem{file.string(),
                         {},
                         "not where an evaluation belongs",
                         "evaluations live at evaluations/<intervention>/<model>[-<source>]/<distribution>.json"};
        return e;
    }
    e.where = *where;
    try {
        e.content = parseEvaluationFile(readAll(file), file.string());
    } catch (const InputError &error) {
        e.problem = error.problems().front();
        return e;
    }
    check(e);
    return e;
}

std::vector<ParsedEvaluation> parseAll(const std::vector<fs::path> &files, const fs::path &resultsDir,
                                       const ProgressCallback &progress)
{
    std::vector<ParsedEvaluation> parsed(files.size());
    std::atomic<std::size_t> done{0};
    std::atomic<bool> stop{false};
    auto work = [&](std::size_t begin, std::size_t step) {
        for (std::size_t i = begin; i < files.size() && !stop; i += step) {
            parsed[i] = parseOne(files[i], resultsDir);
            ++done;
        }
    };
    // Two workers: this machine's cores. Progress is reported from this thread only.
    auto second = std::async(std::launch::async, work, 1, 2);
    std::exception_ptr failure;
    try {
        for (std::size_t i = 0; i < files.size(); i += 2) {
            parsed[i] = parseOne(files[i], resultsDir);
            ++done;
            if (i % 64 == 0)
                reportProgress(progress, std::int64_t(done.load()), std::int64_t(files.size()) * 2,
                               "Reading evaluations");
        }
    } catch (...) {
        failure = std::current_exception();
        stop = true;
    }
    second.get();
    if (failure)
        std::rethrow_exception(failure);
    return parsed;
}

void writeEvaluations(Database &db, std::int64_t importId, const std::vector<ParsedEvaluation> &parsed,
                      ResultsImportSummary &summary)
{
    Statement remove(db, "DELETE FROM evaluations WHERE path = ?");
    Statement insert(
        db, "INSERT INTO evaluations(import_id, path, intervention, variant, model, train_distribution,"
            " eval_distribution, model_dir, timestamp, short_form, stored_accuracy, stored_brier, stored_average,"
            " stored_rms, has_rms_key, stored_loss, probability_count, probabilities, accuracy, brier,"
            " average_probability, rms, corrected_calibration, hard_probabilities)"
            " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    Statement flag(db, "INSERT INTO evaluation_flags(evaluation_id, kind, message) VALUES(?, ?, ?)");
    auto bindOptional = [](Statement &st, int index, std::optional<double> v) {
        if (v && !std::isnan(*v))
            st.bind(index, *v);
        else
            st.bindNull(index);
    };
    for (const auto &e : parsed) {
        if (e.problem)
            continue;
        const auto &c = e.content;
        remove.bind(1, e.relative).run();
        insert.bind(1, importId)
            .bind(2, e.relative)
            .bind(3, e.where.intervention)
            .bind(4, e.where.variant)
            .bind(5, e.where.model)
            .bind(6, e.where.trainDistribution)
            .bind(7, e.where.evaluatedDistribution)
            .bind(8, c.modelDir)
            .bind(9, c.timestamp)
            .bind(10, c.shortForm ? 1 : 0);
        bindOptional(insert, 11, c.accuracy);
        bindOptional(insert, 12, c.brierScore);
        bindOptional(insert, 13, c.averageProbability);
        bindOptional(insert, 14, c.rmsCalibrationError);
        insert.bind(15, c.hasRmsKey ? 1 : 0);
        bindOptional(insert, 16, c.loss);
        insert.bind(17, int(c.probabilities.size()));
        const bool hasP = c.hasProbabilities && !c.probabilities.empty();
        if (hasP)
            insert.bindBlob(18, c.probabilities.data(), c.probabilities.size() * sizeof(double));
        else
            insert.bindNull(18);
        bindOptional(insert, 19, hasP ? std::optional(e.recomputed.accuracy) : std::nullopt);
        bindOptional(insert, 20, hasP ? std::optional(e.recomputed.brierScore) : std::nullopt);
        bindOptional(insert, 21, hasP ? std::optional(e.recomputed.averageProbability) : std::nullopt);
        bindOptional(insert, 22, hasP ? std::optional(e.recomputed.rmsCalibrationError) : std::nullopt);
        bindOptional(insert, 23, hasP ? std::optional(e.corrected) : std::nullopt);
        insert.bind(24, e.hard ? 1 : 0).run();
        const std::int64_t id = db.lastInsertId();
        for (const auto &[kind, message] : e.flags)
            flag.bind(1, id).bind(2, kind).bind(3, message).run();
        summary.evaluationFiles += 1;
        summary.probabilities += std::int64_t(c.probabilities.size());
        summary.flaggedFiles += e.flags.empty() ? 0 : 1;
        summary.hardFiles += e.hard ? 1 : 0;
        summary.storedValueDisagreements += int(std::count_if(e.flags.begin(), e.flags.end(), [](const auto &f) {
            return f.first.size() > 8 && f.first.compare(f.first.size() - 8, 8, "_differs") == 0
                && f.first != "distribution_differs";
        }));
    }
    // Several files can hold the same evaluation (lat_stim_1/lat/, lora_fine_tuning/classify_lora/, old_evals/):
    // the one outside such folders, else the first by path, is canonical; the others point to it.
    db.exec("UPDATE evaluations SET duplicate_of = NULL");
    db.exec("UPDATE evaluations AS e SET duplicate_of = (SELECT c.id FROM evaluations c WHERE c.model = e.model"
            " AND c.intervention = e.intervention AND c.train_distribution = e.train_distribution"
            " AND c.eval_distribution = e.eval_distribution ORDER BY c.variant != '', c.path LIMIT 1)");
    db.exec("UPDATE evaluations SET duplicate_of = NULL WHERE duplicate_of = id");
    Statement duplicates(db, "SELECT count(*) FROM evaluations WHERE duplicate_of IS NOT NULL");
    summary.duplicateFiles = duplicates.step() ? duplicates.integer(0) : 0;
}

//! Probabilities line up with pairs only when the counts agree (reference 1.3 order); a mismatch is flagged and
//! the file left unlinked rather than guessed at (few_shot's length filter, for one, shortens arrays).
void checkLinks(Database &db, std::int64_t importId, ResultsImportSummary &summary)
{
    Statement st(db, "SELECT e.id, e.probability_count, d.test_pairs, e.eval_distribution FROM evaluations e"
                     " JOIN distributions d ON d.name = e.eval_distribution"
                     " WHERE e.import_id = ? AND e.probability_count > 0");
    st.bind(1, importId);
    Statement flag(db, "INSERT INTO evaluation_flags(evaluation_id, kind, message) VALUES(?, 'length_mismatch', ?)");
    while (st.step()) {
        if (st.integer(1) == st.integer(2)) {
            ++summary.linkedFiles;
            continue;
        }
        ++summary.lengthMismatches;
        flag.bind(1, st.int64(0))
            .bind(2, std::to_string(st.integer(1)) + " probabilities but " + st.text(3) + " has "
                         + std::to_string(st.integer(2)) + " test pairs in this workspace; not linked to its pairs")
            .run();
    }
}

std::vector<std::string> splitCsvLine(const std::string &line)
{
    std::vector<std::string> cells(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
                cells.back() += line[++i];
            else if (c == '"')
                quoted = false;
            else
                cells.back() += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            cells.emplace_back();
        } else if (c != '\r') {
            cells.back() += c;
        }
    }
    return cells;
}

void importMetricsCsv(Database &db, std::int64_t importId, const fs::path &file, const fs::path &root,
                      ResultsImportSummary &summary, std::vector<InputProblem> &problems)
{
    const auto relative = fs::relative(file, root);
    std::vector<std::string> parts;
    for (const auto &p : relative)
        parts.push_back(p.string());
    if (parts.size() != 3) {
        summary.warnings.push_back(file.string()
                                   + ": skipped; expected generalization_metrics/<model>/<intervention>/<file>.csv");
        return;
    }
    std::istringstream in(readAll(file));
    std::string line;
    std::getline(in, line);
    const auto header = splitCsvLine(line);
    const auto &expected = generalizationCsvColumns();
    if (header != expected) {
        problems.push_back({file.string(), "line 1", "unexpected columns", "the header must be: " + [&] {
                                std::string text;
                                for (const auto &c : expected)
                                    text += (text.empty() ? "" : ",") + c;
                                return text;
                            }()});
        return;
    }
    Statement insert(
        db, "INSERT OR REPLACE INTO published_metrics(import_id, model, intervention, file, row, source, target,"
            " target_reference, generalization_accuracy, baseline_accuracy, baseline_intervention,"
            " target_tuned_capability, target_tuned_capability_intervention, source_id_accuracy,"
            " rms_calibration_error, differential_elicitation)"
            " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    int row = 0;
    int lineNumber = 1;
    while (std::getline(in, line)) {
        ++lineNumber;
        if (line.empty() || line == "\r")
            continue;
        const auto cells = splitCsvLine(line);
        if (cells.size() != expected.size()) {
            problems.push_back({file.string(), "line " + std::to_string(lineNumber),
                                std::to_string(cells.size()) + " cells, expected " + std::to_string(expected.size()),
                                "each row has the 11 published columns"});
            continue;
        }
        insert.bind(1, importId)
            .bind(2, parts[0])
            .bind(3, parts[1])
            .bind(4, fs::path(parts[2]).stem().string())
            .bind(5, row);
        bool bad = false;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            const int index = int(c) + 6;
            const bool numeric = c == 3 || c == 4 || c == 6 || c == 8 || c == 9 || c == 10;
            if (!numeric) {
                insert.bind(index, cells[c]);
            } else if (cells[c].empty() || cells[c] == "nan" || cells[c] == "NaN") {
                insert.bindNull(index);
            } else {
                try {
                    insert.bind(index, std::stod(cells[c]));
                } catch (const std::exception &) {
                    problems.push_back({file.string(), "line " + std::to_string(lineNumber) + ", column " + expected[c],
                                        "'" + cells[c] + "' is not a number",
                                        "write a decimal number or leave it empty"});
                    bad = true;
                    break;
                }
            }
        }
        if (bad) {
            insert.reset();
            continue;
        }
        insert.run();
        ++row;
    }
    summary.metricsFiles += 1;
    summary.metricsRows += row;
}

void importCapability(Database &db, std::int64_t importId, const fs::path &file, const fs::path &root,
                      ResultsImportSummary &summary, std::vector<InputProblem> &problems)
{
    const auto relative = fs::relative(file, root);
    const std::string model = relative.begin()->string();
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(replaceNonFiniteTokens(readAll(file)));
    } catch (const nlohmann::json::parse_error &) {
        problems.push_back({file.string(), {}, "malformed JSON", "restore the file from the published results"});
        return;
    } catch (const nlohmann::json::out_of_range &) { // a number too large for a double or an integer
        problems.push_back({file.string(),
                            {},
                            "a number in the file is too large to represent",
                            "restore the file from the published results"});
        return;
    }
    if (!json.is_object() || !json.contains("best_intervention") || !json.contains("best_intervention_accuracy")) {
        problems.push_back({file.string(),
                            {},
                            "missing best_intervention or best_intervention_accuracy",
                            "a target-tuned capability file holds both keys"});
        return;
    }
    const auto reference = json.find("target_reference");
    if (reference != json.end() && !reference->is_string() && !reference->is_null()) {
        problems.push_back({file.string(), "key 'target_reference'",
                            std::string("is ") + reference->type_name() + ", not the name of a distribution",
                            "restore the file from the published results"});
        return;
    }
    Statement insert(db, "INSERT OR REPLACE INTO target_capabilities(import_id, model, target, target_reference,"
                         " best_intervention, accuracy) VALUES(?, ?, ?, ?, ?, ?)");
    insert.bind(1, importId)
        .bind(2, model)
        .bind(3, file.stem().string())
        .bind(4, reference != json.end() && reference->is_string() ? reference->get<std::string>() : std::string())
        .bind(5, json["best_intervention"].is_string() ? json["best_intervention"].get<std::string>() : std::string());
    if (json["best_intervention_accuracy"].is_number())
        insert.bind(6, json["best_intervention_accuracy"].get<double>());
    else
        insert.bindNull(6);
    insert.run();
    summary.capabilityFiles += 1;
}

} // namespace

fs::path ResultsImporter::locateResults(const fs::path &dir)
{
    std::error_code ec;
    for (const fs::path &candidate : {dir, dir / "results"})
        for (const char *folder : kResultFolders)
            if (fs::is_directory(candidate / folder, ec))
                return candidate;
    throw InputError(InputProblem{dir.string(),
                                  {},
                                  "no GENIES results found",
                                  "give a results/ folder (holding evaluations/, generalization_metrics/ or "
                                  "target_tuned_capability/) or its parent"});
}

ResultsImportSummary ResultsImporter::importResults(Workspace &workspace, const fs::path &dir,
                                                    const ProgressCallback &progress)
{
    ResultsImportSummary summary;
    summary.resultsDir = locateResults(dir);
    const fs::path root = summary.resultsDir;
    reportProgress(progress, 0, 0, "Listing result files");
    std::vector<InputProblem> unreadable;
    const auto evaluationFiles = filesBelow(root / "evaluations", ".json", unreadable);
    const auto metricsFiles = filesBelow(root / "generalization_metrics", ".csv", unreadable);
    const auto capabilityFiles = filesBelow(root / "target_tuned_capability", ".json", unreadable);
    if (!unreadable.empty())
        throw InputError(std::move(unreadable)); // all or nothing: a tree read in part would pass for the whole
    auto parsed = parseAll(evaluationFiles, root, progress);

    std::vector<InputProblem> problems;
    for (const auto &e : parsed)
        if (e.problem)
            problems.push_back(*e.problem);
    // Evaluations whose shape is not an evaluation's (e.g. a JSON at evaluations/<iv>/x.json) are skipped with a
    // warning; broken content is an error.
    std::vector<InputProblem> errors;
    for (auto &p : problems) {
        if (p.message == "not where an evaluation belongs")
            summary.warnings.push_back(p.toString());
        else
            errors.push_back(p);
    }

    Database &db = workspace.db();
    Transaction tx(db);
    Statement addImport(db, "INSERT INTO result_imports(root, imported_at) VALUES(?, ?)");
    addImport.bind(1, root.string()).bind(2, utcNow()).run();
    const std::int64_t importId = db.lastInsertId();
    reportProgress(progress, std::int64_t(evaluationFiles.size()), std::int64_t(evaluationFiles.size()) * 2,
                   "Saving evaluations");
    writeEvaluations(db, importId, parsed, summary);
    checkLinks(db, importId, summary);
    for (const auto &file : metricsFiles)
        importMetricsCsv(db, importId, file, root / "generalization_metrics", summary, errors);
    for (const auto &file : capabilityFiles)
        importCapability(db, importId, file, root / "target_tuned_capability", summary, errors);
    if (!errors.empty())
        throw InputError(std::move(errors));
    reportProgress(progress, std::int64_t(evaluationFiles.size()) * 2 - 1, std::int64_t(evaluationFiles.size()) * 2,
                   "Comparing with the published tables");
    for (const auto &comparison : compareAllWithPublished(workspace)) {
        summary.comparedCells += comparison.comparedCells;
        summary.agreeingCells += comparison.agreeingCells;
        summary.rowsWithoutInputs += comparison.rowsWithoutInputs;
        for (const auto &d : comparison.differences)
            summary.tableDifferences.push_back(d);
    }
    tx.commit();
    reportProgress(progress, std::int64_t(evaluationFiles.size()) * 2, std::int64_t(evaluationFiles.size()) * 2,
                   "Done");
    return summary;
}

} // namespace shiftscope
