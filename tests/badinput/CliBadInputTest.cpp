// Issue #9, the bad-input list, as a user of unetlab-cli meets it: every refusal is one line
// "unetlab-cli: error: ..." on stderr with a non-zero exit; a dataset with some bad files
// still trains on its valid part (exit 0) and names every skipped file on stderr; nothing
// crashes (no signal, no core) and nothing hangs (each run is killed after a generous guard).
//
// Each run starts LibTorch (about half a second), so the runs of one test that do not depend
// on each other are started together (runAll), and commands that only need some checkpoint
// (predict, inspect, eval of a cut file) use one trained once per build (sharedCheckpoint).
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "BadFiles.h"

using namespace badinput;

namespace {

// A run that takes longer than this hangs (the slowest here trains for a second or two).
constexpr int kHangGuardSeconds = 120;

struct Result {
    int exitCode = -1;
    int signal = 0;
    bool hung = false;
    std::string out, err;
};

int lines(const std::string &s) {
    int n = 0;
    for (char c : s) n += c == '\n';
    return n;
}

class BadInputCli : public ::testing::Test {
protected:
    void SetUp() override { dir = freshTestFolder("badcli"); }
    void TearDown() override { removeTestFolder(dir); }

    // A started unetlab-cli, its output going to files of its own.
    struct Running {
        pid_t pid = -1;
        fs::path out, err;
        std::chrono::steady_clock::time_point deadline;
    };

    // Starts unetlab-cli with `args` (no shell), stdout and stderr to files. `locked`: without
    // root's permission override, so that mode 000 means what it says.
    Running start(const std::vector<std::string> &args, bool locked = false) const {
        Running r;
        const std::string n = std::to_string(m_runs++);
        r.out = dir / ("stdout-" + n);
        r.err = dir / ("stderr-" + n);
        r.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kHangGuardSeconds);
        r.pid = ::fork();
        if (r.pid == 0) {
            const rlimit noCore{0, 0};
            ::setrlimit(RLIMIT_CORE, &noCore);
            const int o = ::open(r.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            const int e = ::open(r.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (o < 0 || e < 0) ::_exit(126);
            ::dup2(o, STDOUT_FILENO);
            ::dup2(e, STDERR_FILENO);
            // Runs go side by side: one thread each; any autosave goes to the test's folder.
            ::setenv("OMP_NUM_THREADS", "1", 1);
            ::setenv("XDG_DATA_HOME", (dir / "data").c_str(), 1);
            if (locked) dropFilePermissionOverrideForChildren();
            std::vector<char *> argv{const_cast<char *>(UNETLAB_CLI)};
            for (const std::string &a : args) argv.push_back(const_cast<char *>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(UNETLAB_CLI, argv.data());
            ::_exit(127);
        }
        return r;
    }
    // Waits for it (killing it past the hang guard) and collects what it wrote.
    static Result finish(const Running &running) {
        Result r;
        int status = 0;
        while (::waitpid(running.pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > running.deadline) {
                ::kill(running.pid, SIGKILL);
                ::waitpid(running.pid, &status, 0);
                r.hung = true;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (WIFEXITED(status)) r.exitCode = WEXITSTATUS(status);
        if (WIFSIGNALED(status) && !r.hung) r.signal = WTERMSIG(status);
        r.out = readBytes(running.out);
        r.err = readBytes(running.err);
        return r;
    }
    Result run(const std::vector<std::string> &args, bool locked = false) const { return finish(start(args, locked)); }
    // Runs that do not depend on each other, side by side; the results in the same order.
    std::vector<Result> runAll(const std::vector<std::vector<std::string>> &runs, bool locked = false) const {
        std::vector<Running> started;
        for (const auto &args : runs) started.push_back(start(args, locked));
        std::vector<Result> results;
        for (const Running &r : started) results.push_back(finish(r));
        return results;
    }

    // A minimal model trained on synthetic data, once per build of unetlab-cli (again after it
    // is rebuilt), shared by every test and process: ctest runs each test in a process of its
    // own, side by side with -j, so a file lock guards the training.
    std::string sharedCheckpoint() const {
        const fs::path shared = fs::path(UNETLAB_SHARED_DIR) / "badinput-cli-shared.ckpt";
        const int lock = ::open((shared.string() + ".lock").c_str(), O_RDWR | O_CREAT, 0644);
        if (lock >= 0) ::flock(lock, LOCK_EX);
        std::error_code ec;
        const auto built = fs::last_write_time(UNETLAB_CLI, ec);
        if (!fs::exists(shared) || ec || fs::last_write_time(shared, ec) < built || ec) {
            const std::string partial = shared.string() + ".part-" + std::to_string(::getpid());
            const Result r = run({"train",
                                  "--model",
                                  "minimal",
                                  "--data",
                                  "synthetic:12:1",
                                  "--size",
                                  "32",
                                  "--epochs",
                                  "1",
                                  "--batch",
                                  "2",
                                  "--precision",
                                  "fp32",
                                  "--memory-format",
                                  "contiguous",
                                  "--threads",
                                  "1",
                                  "--autosave",
                                  "off",
                                  "--quiet",
                                  "--out",
                                  partial});
            EXPECT_EQ(r.exitCode, 0) << "training the shared checkpoint: " << r.err;
            fs::rename(partial, shared, ec);
        }
        if (lock >= 0) ::close(lock);  // and with it the lock
        return shared.string();
    }

    // Refused: the given exit code, exactly one line on stderr, in the CLI's form, saying `what`.
    // `afterWarnings`: commands that reopen a checkpoint's data (inspect) first name the files
    // that data skips, one "unetlab-cli: warning:" line each; the error is then the last line.
    static void expectOneLineError(const Result &r, const std::string &what, int exitCode = 1,
                                   bool afterWarnings = false) {
        EXPECT_FALSE(r.hung) << "hung: " << r.err;
        EXPECT_EQ(r.signal, 0) << "crashed: " << r.err;
        EXPECT_EQ(r.exitCode, exitCode) << r.err;
        std::string err = r.err;
        if (afterWarnings)
            while (err.rfind("unetlab-cli: warning: ", 0) == 0 && err.find('\n') != std::string::npos)
                err = err.substr(err.find('\n') + 1);
        EXPECT_EQ(lines(err), 1) << r.err;
        EXPECT_EQ(err.rfind("unetlab-cli: error: ", 0), 0u) << r.err;
        EXPECT_NE(err.find(what), std::string::npos) << "expected '" << what << "' in: " << r.err;
    }
    // Trained on the valid part: exit 0, and each skipped file named in a warning line.
    static void expectTrainedOnValidPart(const Result &r, std::size_t used, const std::vector<std::string> &skipped) {
        EXPECT_FALSE(r.hung) << "hung: " << r.err;
        EXPECT_EQ(r.signal, 0) << "crashed: " << r.err;
        ASSERT_EQ(r.exitCode, 0) << r.err;
        EXPECT_NE(
            r.err.find(std::to_string(skipped.size()) + " file(s) skipped, " + std::to_string(used) + " image(s) used"),
            std::string::npos)
            << r.err;
        for (const std::string &s : skipped)
            EXPECT_NE(r.err.find("unetlab-cli: warning: " + s), std::string::npos) << "expected '" << s << "' in:\n"
                                                                                   << r.err;
        // Nothing else: no stray lines from the image libraries.
        std::istringstream in(r.err);
        for (std::string line; std::getline(in, line);)
            EXPECT_EQ(line.rfind("unetlab-cli: warning: ", 0), 0u) << "stray line: " << line;
    }

    fs::path data() const { return dir / "data"; }
    std::string ckpt() const { return (dir / "model.ckpt").string(); }
    // Five valid pairs, to which each test adds its bad files.
    void goodPairs() const { writeGoodPairs(data(), 5); }
    void maskFor(const std::string &stem) const { writeImage(data() / "masks" / (stem + ".png"), binaryMask(32)); }
    // A quick training run on `spec`, writing model.ckpt (no autosave folder in the user's home).
    std::vector<std::string> trainArgs(const std::string &spec) const {
        return {"train", "--model",         "minimal",    "--data",    spec, "--size",
                "32",    "--epochs",        "1",          "--batch",   "2",  "--precision",
                "fp32",  "--memory-format", "contiguous", "--threads", "1",  "--autosave",
                "off",   "--quiet",         "--out",      ckpt()};
    }
    Result train(const std::string &spec) const { return run(trainArgs(spec)); }
    // Predicting with the shared checkpoint, writing `out` (in the test's folder).
    std::vector<std::string> predictArgs(const fs::path &image, const std::string &out = "mask.png") const {
        return {"predict",      "--checkpoint", sharedCheckpoint(),  "--image",
                image.string(), "--out",        (dir / out).string()};
    }
    std::vector<std::string> inspectArgs(const fs::path &image) const {
        return {"inspect",      "--checkpoint", sharedCheckpoint(),        "--image",
                image.string(), "--out",        (dir / "inspect").string()};
    }
    std::string folder() const { return "folder:" + data().string(); }

    fs::path dir;

private:
    mutable int m_runs = 0;
};

}  // namespace

// ------------------------------------------------------------------------------- images

TEST_F(BadInputCli, ZeroByteImages) {
    goodPairs();
    writeBytes(data() / "images" / "zero.png", "");
    maskFor("zero");
    // Nothing but a zero-byte image: nothing to train on.
    writeBytes(dir / "only" / "images" / "zero.png", "");
    writeImage(dir / "only" / "masks" / "zero.png", binaryMask(32));
    const auto r = runAll({trainArgs(folder()), predictArgs(data() / "images" / "zero.png"),
                           trainArgs("folder:" + (dir / "only").string())});
    expectTrainedOnValidPart(r[0], 5, {"images/zero.png is empty (0 bytes)"});
    expectOneLineError(r[1], "is empty (0 bytes)");
    expectOneLineError(r[2], "images/zero.png is empty (0 bytes)");
}

TEST_F(BadInputCli, TruncatedImages) {
    goodPairs();
    const std::string png = encoded(".png", greyImage(32, 8)), jpg = encoded(".jpg", greyImage(32, 9));
    writeBytes(data() / "images" / "cut.png", png.substr(0, png.size() / 2));
    writeBytes(data() / "images" / "cutj.jpg", jpg.substr(0, jpg.size() / 2));
    maskFor("cut");
    maskFor("cutj");
    const auto r = runAll({trainArgs(folder()), predictArgs(data() / "images" / "cut.png")});
    expectTrainedOnValidPart(r[0], 5, {"images/cut.png truncated PNG", "images/cutj.jpg truncated JPEG"});
    expectOneLineError(r[1], "truncated PNG");
}

TEST_F(BadInputCli, CorruptImages) {
    goodPairs();
    writeBytes(data() / "images" / "scrambled.png", scrambledMiddle(encoded(".png", greyImage(64, 1))));
    writeBytes(data() / "images" / "scrambledj.jpg", scrambledMiddle(encoded(".jpg", greyImage(64, 2))));
    writeBytes(data() / "images" / "strips.tif", tiffWithMissingPixels(greyImage(32, 3)));
    for (const char *stem : {"scrambled", "scrambledj", "strips"}) maskFor(stem);
    const auto r = runAll({trainArgs(folder()), predictArgs(data() / "images" / "scrambled.png", "m1.png"),
                           predictArgs(data() / "images" / "scrambledj.jpg", "m2.png")});
    expectTrainedOnValidPart(r[0], 5,
                             {"images/strips.tif could not be decoded (truncated or corrupt TIFF)",
                              "images/scrambled.png could not be decoded (truncated or corrupt PNG: libpng",
                              "images/scrambledj.jpg is a corrupt JPEG"});
    expectOneLineError(r[1], "could not be decoded");
    expectOneLineError(r[2], "is a corrupt JPEG");
}

TEST_F(BadInputCli, TextFilesWithImageExtensions) {
    goodPairs();
    writeBytes(data() / "images" / "notes.png", "just some notes\n");
    writeBytes(data() / "images" / "readme.tif", "read me\n");
    maskFor("notes");
    maskFor("readme");
    const fs::path notes = data() / "images" / "notes.png";
    const auto r = runAll({trainArgs(folder()), predictArgs(notes), inspectArgs(notes)});
    expectTrainedOnValidPart(r[0], 5,
                             {"images/notes.png is a text file, not an image", "images/readme.tif is a text file"});
    // predict and inspect --image (which reads BMP and PNM too) name the file and say what it is.
    const std::string named = "cannot read image '" + notes.string() + "': it is a text file, not an image";
    expectOneLineError(r[1], named);
    expectOneLineError(r[2], named, 1, true);
}

// ------------------------------------------------------------------------------- masks

TEST_F(BadInputCli, MissingMasks) {
    goodPairs();
    writeImage(data() / "images" / "lonely.png", greyImage(32));
    writeImage(data() / "masks" / "orphan.png", binaryMask(32));
    // The same images with an empty masks folder.
    const fs::path bare = dir / "bare";
    fs::create_directories(bare / "masks");
    fs::copy(data() / "images", bare / "images", fs::copy_options::recursive);
    const auto r = runAll({trainArgs(folder()), trainArgs("folder:" + bare.string())});
    expectTrainedOnValidPart(r[0], 5, {"images/lonely.png has no mask", "masks/orphan.png has no image"});
    expectOneLineError(r[1], "has no mask");
}

TEST_F(BadInputCli, MasksOfTheWrongSize) {
    goodPairs();
    writeImage(data() / "images" / "small.png", greyImage(32));
    writeImage(data() / "masks" / "small.png", binaryMask(16));
    expectTrainedOnValidPart(train(folder()), 5, {"masks/small.png mask is 16x16, its image 32x32"});
}

TEST_F(BadInputCli, MasksWithUnexpectedLabelValues) {
    goodPairs();
    cv::Mat odd = binaryMask(32);
    odd(cv::Rect(0, 0, 4, 4)) = 128;
    writeImage(data() / "images" / "odd.png", greyImage(32));
    writeImage(data() / "masks" / "odd.png", odd);
    // Said to be binary, and left to the automatic mapping (5 of 6 masks hold only 0 and 255,
    // so a stray 128 is that mask's problem rather than a third class).
    const fs::path automatic = dir / "auto.ckpt";
    std::vector<std::string> autoArgs = trainArgs(folder());
    autoArgs.back() = automatic.string();
    const auto r = runAll({trainArgs(folder() + ";mapping=binary"), autoArgs});
    expectTrainedOnValidPart(r[0], 5, {"masks/odd.png has unexpected label value 128"});
    expectTrainedOnValidPart(r[1], 5, {"masks/odd.png has unexpected label value 128 (binary masks"});
    EXPECT_NE(r[1].err.find("say mapping=palette if other values are classes"), std::string::npos) << r[1].err;
    // Evaluating the checkpoint on that data reports the same and uses the same valid part.
    const Result e = run({"eval", "--checkpoint", ckpt(), "--json"});
    EXPECT_EQ(e.exitCode, 0) << e.err;
    EXPECT_NE(e.err.find("unetlab-cli: warning: masks/odd.png has unexpected label value 128"), std::string::npos)
        << e.err;
}

// ------------------------------------------------------------------------------- sizes

TEST_F(BadInputCli, AbsurdDimensions) {
    goodPairs();
    writeBytes(data() / "images" / "huge.png", pngClaiming(60000, 60000));
    maskFor("huge");
    // BMP and PNM, which predict and inspect --image read as well, are checked alike.
    std::string bmp = encoded(".bmp", greyImage(8));
    bmp.replace(18, 8, littleEndian(60000, 4) + littleEndian(60000, 4));
    writeBytes(dir / "huge.bmp", bmp);
    writeBytes(dir / "huge.ppm", "P6\n60000 60000\n255\n" + std::string(64, '\x7f'));
    const fs::path huge = data() / "images" / "huge.png";
    const auto r = runAll({trainArgs(folder()), predictArgs(huge), inspectArgs(huge), predictArgs(dir / "huge.bmp"),
                           inspectArgs(dir / "huge.ppm")});
    expectTrainedOnValidPart(r[0], 5, {"images/huge.png PNG header claims 60000x60000 pixels"});
    expectOneLineError(r[1], "cannot read image '" + huge.string() + "': PNG header claims 60000x60000 pixels");
    expectOneLineError(r[2], "not decoded", 1, true);
    expectOneLineError(r[3], "BMP header claims 60000x60000 pixels");
    expectOneLineError(r[4], "PNM header claims 60000x60000 pixels", 1, true);
}

// ------------------------------------------------------------------------------- folders

TEST_F(BadInputCli, EmptyFolders) {
    fs::create_directories(dir / "empty");
    fs::create_directories(dir / "hollow" / "images");
    fs::create_directories(dir / "hollow" / "masks");
    const auto r =
        runAll({trainArgs("folder:" + (dir / "empty").string()), trainArgs("folder:" + (dir / "hollow").string()),
                trainArgs("folder:" + (dir / "nowhere").string()),
                trainArgs("tiff:" + (dir / "none.tif").string() + "," + (dir / "none.tif").string())});
    expectOneLineError(r[0], "has no image and mask folders");
    expectOneLineError(r[1], "holds no PNG, JPEG or TIFF images");
    expectOneLineError(r[2], "does not exist");
    expectOneLineError(r[3], "cannot be opened");
}

TEST_F(BadInputCli, FoldersWithoutPermission) {
    goodPairs();
    writeImage(data() / "images" / "secret.png", greyImage(32));
    maskFor("secret");
    fs::permissions(data() / "images" / "secret.png", fs::perms::none);
    // Is mode 000 enforced for the CLI's process? (Root's override is dropped for it.)
    const Result probe = run({"predict", "--checkpoint", (dir / "none.ckpt").string(), "--image",
                              (data() / "images" / "secret.png").string(), "--out", (dir / "x.png").string()},
                             /*locked=*/true);
    if (probe.err.find("cannot open") == std::string::npos) GTEST_SKIP() << "mode 000 is not enforced here";
    // An unreadable images folder, and an unreadable data folder.
    const fs::path noImages = dir / "noimages", noData = dir / "nodata";
    for (const fs::path &p : {noImages, noData / "data"}) writeGoodPairs(p, 2);
    fs::permissions(noImages / "images", fs::perms::none);
    fs::permissions(noData / "data", fs::perms::none);
    const auto r =
        runAll({{"train",      "--model",   "minimal", "--data",     folder(),      "--size", "32",
                 "--epochs",   "1",         "--batch", "2",          "--precision", "fp32",   "--memory-format",
                 "contiguous", "--threads", "1",       "--autosave", "off",         "--quiet"},
                {"train", "--model", "minimal", "--data", "folder:" + noImages.string()},
                {"train", "--model", "minimal", "--data", "folder:" + (noData / "data").string()}},
               /*locked=*/true);
    expectTrainedOnValidPart(r[0], 5, {"images/secret.png cannot be opened (missing or not readable)"});
    expectOneLineError(r[1], "cannot be read: Permission denied");
    expectOneLineError(r[2], "cannot be read: Permission denied");
}

// ------------------------------------------------------------------------------- depths

TEST_F(BadInputCli, SixteenBitAndFloatImagesWithNanAndInfinity) {
    goodPairs();
    writeDeepImages(data(), INFINITY);
    maskFor("deep");
    maskFor("float");
    writeImage(data() / "images" / "allnan.tif", cv::Mat(32, 32, CV_32FC1, cv::Scalar(NAN)));
    maskFor("allnan");
    const auto r = runAll({trainArgs(folder()), predictArgs(data() / "images" / "float.tif", "mask.png"),
                           predictArgs(data() / "images" / "allnan.tif", "nan.png")});
    // deep.png and float.tif are used (7 images); allnan.tif is not.
    expectTrainedOnValidPart(r[0], 7, {"images/allnan.tif has no finite pixel value"});
    EXPECT_EQ(r[1].exitCode, 0) << r[1].err;
    EXPECT_TRUE(fs::exists(dir / "mask.png"));
    expectOneLineError(r[2], "has no finite pixel value");
}

// ------------------------------------------------------------------------------- checkpoints

TEST_F(BadInputCli, BadCheckpoints) {
    const fs::path image = dir / "image.png";
    writeImage(image, greyImage(32));
    writeBytes(dir / "empty.ckpt", "");
    writeBytes(dir / "noise.ckpt", randomBytes(5000));
    writeBytes(dir / "photos.zip", foreignZip());
    writeBytes(dir / "fake.ckpt", "UNETLAB-CHECKPOINT 1\n9999\n{\"model\":");
    const std::pair<std::string, std::string> cases[] = {
        {"empty.ckpt", "is empty"},
        {"noise.ckpt", "is not a UNet Lab checkpoint"},
        {"photos.zip", "not one torch.save wrote"},
        {"fake.ckpt", "is truncated"},
    };
    // Every case through eval; each through one more of the commands that take a checkpoint.
    std::vector<std::vector<std::string>> runs;
    int other = 0;
    for (const auto &[file, message] : cases) {
        const std::string path = (dir / file).string();
        runs.push_back({"eval", "--checkpoint", path});
        const std::vector<std::string> commands[] = {
            {"predict", "--checkpoint", path, "--image", image.string(), "--out", (dir / (file + ".png")).string()},
            {"inspect", "--checkpoint", path, "--index", "0", "--out", (dir / (file + "-i")).string()},
            {"export", "--checkpoint", path, "--out", (dir / (file + ".pt")).string()},
        };
        runs.push_back(commands[other++ % 3]);
    }
    const auto r = runAll(runs);
    for (std::size_t i = 0; i < std::size(cases); ++i) {
        SCOPED_TRACE(cases[i].first);
        expectOneLineError(r[2 * i], cases[i].second);
        expectOneLineError(r[2 * i + 1], cases[i].second);
    }
}

TEST_F(BadInputCli, TruncatedCheckpoints) {
    const std::string bytes = readBytes(sharedCheckpoint());
    ASSERT_GT(bytes.size(), 100u);
    const std::size_t cuts[] = {30, bytes.size() / 2, bytes.size() - 3};
    std::vector<std::vector<std::string>> runs;
    for (const std::size_t cut : cuts) {
        const fs::path path = dir / ("cut-" + std::to_string(cut) + ".ckpt");
        writeBytes(path, bytes.substr(0, cut));
        runs.push_back({"eval", "--checkpoint", path.string()});
    }
    const auto r = runAll(runs);
    for (std::size_t i = 0; i < std::size(cuts); ++i) {
        SCOPED_TRACE(cuts[i]);
        expectOneLineError(r[i], "truncated");
    }
}

TEST_F(BadInputCli, PicklesNamingArbitraryGlobals) {
    const fs::path image = dir / "image.png";
    writeImage(image, greyImage(32));
    // Each pickle would touch a marker of its own.
    std::vector<HostilePickle> pickles;
    std::vector<std::vector<std::string>> runs;
    std::vector<std::size_t> pickleOf;
    for (const char *name :
         {"os.system", "posix.system", "builtins.eval", "subprocess.getoutput", "INST os.system", "dict with exec"}) {
        const std::size_t i = pickles.size();
        const fs::path marker = dir / ("MARKER-" + std::to_string(i));
        for (HostilePickle &p : hostilePickles("touch " + marker.string()))
            if (p.name == name) pickles.push_back(std::move(p));
        ASSERT_EQ(pickles.size(), i + 1) << name;
        const std::string path = (dir / ("hostile-" + std::to_string(i) + ".pt")).string();
        writeBytes(path, torchLikeZip(pickles[i].bytes));
        if (pickles[i].name == "os.system") {  // the others through predict only: each run starts LibTorch
            runs.push_back({"export", "--checkpoint", path, "--out", (dir / "e.ckpt").string(), "--format", "unetlab"});
            pickleOf.push_back(i);
        }
        runs.push_back({"predict", "--checkpoint", path, "--image", image.string(), "--out", (dir / "m.png").string()});
        pickleOf.push_back(i);
    }
    ASSERT_EQ(pickles.size(), hostilePickles("x").size()) << "every pickle of BadFiles.h is tried";
    const auto r = runAll(runs);
    for (std::size_t k = 0; k < r.size(); ++k) {
        SCOPED_TRACE(pickles[pickleOf[k]].name);
        expectOneLineError(r[k], pickles[pickleOf[k]].refusal);
    }
    for (std::size_t i = 0; i < pickles.size(); ++i)
        EXPECT_FALSE(fs::exists(dir / ("MARKER-" + std::to_string(i))))
            << pickles[i].name << ": a hostile checkpoint ran its payload";
}

// ------------------------------------------------------------------------------- knobs

TEST_F(BadInputCli, AbsurdKnobs) {
    const std::pair<std::vector<std::string>, std::string> cases[] = {
        {{"--lr", "10"}, "--lr must be greater than 0 and at most 1, got 10"},
        {{"--lr", "nan"}, "--lr expects a number"},
        {{"--batch", "4096"}, "--batch must be between 1 and 1024, got 4096"},
        {{"--epochs", "0"}, "--epochs must be between 1 and 100000, got 0"},
        {{"--size", "7"}, "--size must be between 32 and 4096, got 7"},
        {{"--data", "synthetic;size=7"}, "size"},
        {{"--data", "folder:/data;size=7"}, "size must be between 32 and 4096"},
    };
    std::vector<std::vector<std::string>> runs;
    for (const auto &[knob, message] : cases) {
        std::vector<std::string> args{"train", "--model", "minimal", "--data", "synthetic:12"};
        if (knob[0] == "--data") args.resize(3);
        args.insert(args.end(), knob.begin(), knob.end());
        runs.push_back(args);
    }
    const auto r = runAll(runs);
    for (std::size_t i = 0; i < std::size(cases); ++i) {
        SCOPED_TRACE(cases[i].first[0] + " " + cases[i].first[1]);
        expectOneLineError(r[i], cases[i].second, 2);
    }
}
