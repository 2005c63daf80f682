#include "train/RunFolder.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <signal.h>
#include <unistd.h>

#include "core/AtomicFile.h"
#include "data/Dataset.h"
#include "train/History.h"
#include "train/Trainer.h"

namespace unetlab {
namespace fs = std::filesystem;

namespace {

std::string localTime() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    std::ostringstream s;
    s << std::put_time(&tm, "%Y-%m-%d %H:%M");
    return s.str();
}

std::string hostName() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return {};
    return name;
}

// Is process `pid` alive and one of ours (its command line names unetlab)? A reused id of
// another program does not count.
bool appRunning(long pid) {
    if (pid <= 0) return false;
    if (pid == static_cast<long>(::getpid())) return true;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;
    std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    if (!cmdline) return true;  // no /proc: trust kill()
    std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    return text.find("unetlab") != std::string::npos;
}

std::string fixed(double v, int digits) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << v;
    return s.str();
}

}  // namespace

std::string defaultRunsRoot() {
    std::string base;
    if (const char *xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg == '/') base = xdg;
    else if (const char *home = std::getenv("HOME"); home && *home) base = std::string(home) + "/.local/share";
    else base = "/tmp";
    return base + "/UNetLab/UNet Lab/runs";
}

std::string SavedRun::describe() const {
    std::string text = (model.empty() ? std::string("a model") : model) + " on " +
                       (dataName.empty() ? std::string("its data") : dataName) + ": epoch " +
                       std::to_string(epochsDone) + " of " + std::to_string(epochs);
    if (bestEpoch > 0) text += ", best Dice " + fixed(bestDice, 3) + " (epoch " + std::to_string(bestEpoch) + ")";
    if (!updated.empty()) text += ", saved " + updated;
    return text;
}

SavedRun readSavedRun(const std::string &dir) {
    const std::string path = (fs::path(dir) / kRunMarkerFile).string();
    const nlohmann::json j = nlohmann::json::parse(readWholeFile(path), nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw std::runtime_error(path + " is not a run description");
    SavedRun r;
    r.dir = dir;
    try {
        r.state = j.at("state").get<std::string>();
        r.program = j.value("program", "");
        r.pid = j.value("pid", 0L);
        r.host = j.value("host", "");
        r.model = j.value("model", "");
        r.dataName = j.value("data_name", "");
        r.dataSpec = j.value("data", "");
        r.epochsDone = j.value("epochs_done", 0);
        r.epochs = j.value("epochs", 0);
        r.bestEpoch = j.value("best_epoch", 0);
        r.bestDice = j.value("best_dice", 0.0);
        r.updated = j.value("updated", "");
        r.reason = j.value("reason", "");
    } catch (const nlohmann::json::exception &) {
        throw std::runtime_error(path + " is not a run description");
    }
    return r;
}

std::vector<SavedRun> findInterruptedRuns(const std::string &root) {
    std::vector<SavedRun> runs;
    std::error_code ec;
    fs::directory_iterator it(root, ec), end;
    if (ec) return runs;
    const std::string host = hostName();
    for (; it != end; it.increment(ec)) {
        if (ec) break;
        const fs::path dir = it->path();
        if (!fs::is_regular_file(dir / kRunMarkerFile, ec) || !fs::is_regular_file(dir / kRunStateFile, ec)) continue;
        try {
            SavedRun r = readSavedRun(dir.string());
            if (r.state != "running" || r.epochsDone < 1) continue;
            if ((r.host.empty() || r.host == host) && appRunning(r.pid)) continue;  // still going
            runs.push_back(std::move(r));
        } catch (const std::exception &) {
            // an unreadable folder is not offered
        }
    }
    std::sort(runs.begin(), runs.end(), [](const SavedRun &a, const SavedRun &b) {
        return a.updated != b.updated ? a.updated > b.updated : a.dir > b.dir;
    });
    return runs;
}

void setRunState(const std::string &dir, const std::string &state, const std::string &reason) {
    const std::string path = (fs::path(dir) / kRunMarkerFile).string();
    nlohmann::json j = nlohmann::json::parse(readWholeFile(path), nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw std::runtime_error(path + " is not a run description");
    j["state"] = state;
    if (!reason.empty()) j["reason"] = reason;
    j["pid"] = static_cast<long>(::getpid());
    j["host"] = hostName();
    writeFileAtomically(path, j.dump(2) + "\n");
}

RunAutosave::RunAutosave(std::string dir, std::string program, std::string modelName, std::string dataSpec)
    : m_dir(std::move(dir)), m_program(std::move(program)), m_model(std::move(modelName)),
      m_dataSpec(std::move(dataSpec)) {
    std::error_code ec;
    fs::create_directories(m_dir, ec);
    if (ec || !fs::is_directory(m_dir)) throw std::runtime_error("cannot create the autosave folder " + m_dir);
    m_haveBest = fs::is_regular_file(fs::path(m_dir) / "best.ckpt", ec);  // a resumed run's folder
}

std::string RunAutosave::bestCheckpoint() const {
    return m_haveBest ? (fs::path(m_dir) / "best.ckpt").string() : std::string{};
}

std::string RunAutosave::lastCheckpoint() const { return (fs::path(m_dir) / "last.ckpt").string(); }

void RunAutosave::writeMarker(const Trainer &trainer, const std::string &state, const std::string &reason) {
    const auto &history = trainer.history();
    const int best = trainer.bestEpoch();
    double bestDice = 0;
    if (best > 0 && best <= static_cast<int>(history.size())) {
        bestDice = history[static_cast<std::size_t>(best - 1)].valDiceMean;
        if (!std::isfinite(bestDice)) bestDice = 0;
    }
    nlohmann::json j = {{"format", "unetlab-run 1"},
                        {"state", state},
                        {"program", m_program},
                        {"pid", static_cast<long>(::getpid())},
                        {"host", hostName()},
                        {"model", m_model},
                        {"data_name", trainer.dataset().name()},
                        {"data", m_dataSpec},
                        {"epochs_done", history.size()},
                        {"epochs", trainer.config().epochs},
                        {"best_epoch", best},
                        {"best_dice", bestDice},
                        {"updated", localTime()}};
    if (!reason.empty()) j["reason"] = reason;
    writeFileAtomically((fs::path(m_dir) / kRunMarkerFile).string(), j.dump(2) + "\n");
}

std::vector<BatchReport> readRunBatches(const std::string &dir, int epochs) {
    const fs::path path = fs::path(dir) / kRunBatchesFile;
    std::error_code ec;
    if (!fs::exists(path, ec)) return {};
    std::vector<BatchReport> batches;
    try {
        batches = batchesFromCsv(readWholeFile(path.string()));
    } catch (const std::exception &) {
        return {};  // unreadable: the curves start empty, the run itself is fine
    }
    const auto later = [epochs](const BatchReport &b) { return b.epoch > epochs; };
    batches.erase(std::find_if(batches.begin(), batches.end(), later), batches.end());
    return batches;
}

void RunAutosave::begin(const Trainer &trainer) {
    m_earlierBatches = readRunBatches(m_dir, static_cast<int>(trainer.history().size()));
    writeMarker(trainer, "running", {});
}

void RunAutosave::epochEnded(const Trainer &trainer, const EpochReport &epoch) {
    const fs::path dir(m_dir);
    // The state first: a kill between two of these writes leaves a state that is at most as
    // new as the checkpoints, and run.json (last) only ever names a state that exists.
    if (!trainer.finished()) {
        writeFileAtomically((dir / kRunStateFile).string(), trainer.resumeState(m_dataSpec, m_model));
    } else {
        std::error_code ec;  // the run is complete: nothing is left to continue
        fs::remove(dir / kRunStateFile, ec);
    }
    trainer.saveCheckpoint((dir / "last.ckpt").string(), m_dataSpec);
    if (epoch.best) {
        // Once finished the model holds the best weights; before, save the best explicitly.
        trainer.saveCheckpoint((dir / "best.ckpt").string(), m_dataSpec, true);
        m_haveBest = true;
    }
    std::vector<BatchReport> batches = m_earlierBatches;
    batches.insert(batches.end(), trainer.batchHistory().begin(), trainer.batchHistory().end());
    writeFileAtomically((dir / kRunBatchesFile).string(), batchesCsv(batches));
    std::vector<std::string> classes = trainer.dataset().classNames();
    writeFileAtomically((dir / "metrics.csv").string(), historyCsv(classes, trainer.history()));
    writeMarker(trainer, trainer.finished() ? "finished" : "running", {});
}

void RunAutosave::end(const Trainer &trainer, const std::string &state, const std::string &reason) {
    writeMarker(trainer, state, reason);
}

}  // namespace unetlab
