#pragma once
// A training run's autosave folder (issue #9 "Nothing lost"), shared by the GUI and the CLI.
// At the end of every epoch, each file written atomically, in this order:
//
//   state.bin    Trainer::resumeState(): everything needed to continue the run exactly
//                (removed once the run completes its epochs: there is nothing to continue)
//   last.ckpt    the weights of the last finished epoch (a checkpoint like any other)
//   best.ckpt    the best epoch's weights so far (when this epoch was the best)
//   batches.csv  every training batch: loss and learning rate (the batch curves)
//   metrics.csv  the history, one line per epoch
//   run.json     what the run is: state, program, process id, model, data, epochs, best Dice
//
// run.json says "running" from the start until the run ends ("finished", "stopped"); a run
// that still says "running" while its process is gone was killed (kill -9, power cut, crash):
// findInterruptedRuns() lists those, so the GUI can offer to restore them and the CLI can
// continue one with --resume. No LibTorch in this header.

#include <memory>
#include <string>
#include <vector>

#include "train/TrainEvents.h"

namespace unetlab {

class Trainer;

inline constexpr const char *kRunStateFile = "state.bin";
inline constexpr const char *kRunMarkerFile = "run.json";
inline constexpr const char *kRunBatchesFile = "batches.csv";

// $XDG_DATA_HOME (else ~/.local/share) + "/UNetLab/UNet Lab/runs": where the GUI keeps runs
// (QStandardPaths::AppDataLocation on Linux) and where the CLI autosaves by default.
std::string defaultRunsRoot();

// What run.json says about a saved run.
struct SavedRun {
    std::string dir;
    std::string state;     // "running", "finished", "stopped", "discarded"
    std::string program;   // "unetlab" or "unetlab-cli"
    long pid = 0;
    std::string host;
    std::string model;     // the preset name, e.g. "small-unet"
    std::string dataName;  // e.g. "Nuclei (DSB2018 sample)"
    std::string dataSpec;
    int epochsDone = 0, epochs = 0, bestEpoch = 0;
    double bestDice = 0;   // mean validation Dice of the best epoch
    std::string updated;   // local time of the last save, "2026-11-29 15:42"
    std::string reason;    // why it ended (finished, stopped)
    // "small-unet on Nuclei (DSB2018 sample): epoch 7 of 20, best Dice 0.884 (epoch 6), saved 2026-11-29 15:42"
    std::string describe() const;
};

// Reads DIR/run.json. Throws std::runtime_error with a one-line reason.
SavedRun readSavedRun(const std::string &dir);

// Runs under `root` whose run.json says "running" although no process of that id runs the
// app any more, that finished at least one epoch (state.bin exists), newest first. Folders
// that cannot be read are skipped.
std::vector<SavedRun> findInterruptedRuns(const std::string &root);

// The training batches of the first `epochs` epochs from DIR/batches.csv, for a restored
// run's curves; empty when the folder has none (a run saved before batches were kept).
std::vector<BatchReport> readRunBatches(const std::string &dir, int epochs);

// Rewrites the state in DIR/run.json, e.g. "discarded" when the user declines to restore it.
void setRunState(const std::string &dir, const std::string &state, const std::string &reason = {});

// Writes a run's folder as it goes. Every method throws std::runtime_error when a file cannot
// be written (the caller reports it; training goes on).
class RunAutosave {
public:
    // `program` is "unetlab" or "unetlab-cli"; the folder is created.
    RunAutosave(std::string dir, std::string program, std::string modelName, std::string dataSpec);

    const std::string &dir() const { return m_dir; }
    std::string bestCheckpoint() const;  // empty until an epoch was the best
    std::string lastCheckpoint() const;

    // run.json "running"; a resumed run keeps the batches its folder has of its finished epochs.
    void begin(const Trainer &trainer);
    void epochEnded(const Trainer &trainer, const EpochReport &epoch);
    void end(const Trainer &trainer, const std::string &state, const std::string &reason);

private:
    void writeMarker(const Trainer &trainer, const std::string &state, const std::string &reason);

    std::string m_dir, m_program, m_model, m_dataSpec;
    bool m_haveBest = false;
    std::vector<BatchReport> m_earlierBatches;  // a resumed run's batches before it was resumed
};

}  // namespace unetlab
