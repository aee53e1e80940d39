#pragma once
/// The study store in SQLite: `<output-dir>/study.db`, WAL mode, synchronous=NORMAL
/// (IOREC_STORE_SYNC=full for FULL), foreign keys on, one transaction per mutating call.
/// See docs/store.md for the schema and the durability trade-off.
#include <filesystem>
#include <memory>

#include "iorec/store/store.hpp"

struct sqlite3;

namespace iorec::store {

/// File name of the study database inside an output directory.
inline constexpr const char* kStudyDbName = "study.db";

class SqliteStore final : public Store {
 public:
  enum class Mode { kReadOnly, kReadWrite };

  /// Creates a new, empty study database. Throws core::InputError naming the path when
  /// the file exists or cannot be created.
  static std::unique_ptr<SqliteStore> Create(const std::filesystem::path& path);

  /// Opens an existing study database. It is first checked through a read-only
  /// connection (is a SQLite file, has a schema_version row from kOldestSchemaVersion to
  /// kSchemaVersion, passes `PRAGMA quick_check` unless `quick_check` is false), so a bad
  /// file is refused with core::InputError naming the path and is never modified. An older
  /// schema opened for writing is upgraded (one transaction).
  static std::unique_ptr<SqliteStore> Open(const std::filesystem::path& path, Mode mode,
                                           bool quick_check = true);

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  const std::filesystem::path& path() const { return path_; }

  std::optional<StudyInfo> Study() override;
  void CreateStudy(const StudyInfo& info, const space::WorkloadSet& ws) override;
  void SetPhase(const std::string& phase, double now) override;
  space::WorkloadSet Workloads() override;
  void PutWarmStart(const std::vector<std::vector<uint8_t>>& configs) override;
  std::vector<std::vector<uint8_t>> WarmStart() override;
  void AddPending(const std::vector<TrialRecord>& trials) override;
  void MarkRunning(const std::vector<uint64_t>& ids, double now) override;
  void CommitTrial(const TrialRecord& trial) override;
  void PutDerived(const std::vector<std::pair<uint64_t, double>>& gains,
                  const std::vector<HistoryRow>& history) override;
  int AddImported(std::vector<ImportedRecord> records) override;
  std::vector<ImportedRecord> Imported() override;
  std::vector<TrialRecord> Trials() override;
  std::vector<HistoryRow> History() override;
  StatusSummary Summary() override;
  void PutOnboardWorkloads(const std::vector<OnboardWorkloadRecord>& records) override;
  std::vector<OnboardWorkloadRecord> OnboardWorkloads() override;
  void AddOnboardPending(const std::vector<OnboardTrialRecord>& trials) override;
  void MarkOnboardRunning(const std::vector<uint64_t>& ids, double now) override;
  void CommitOnboardTrial(const TrialRecord& run) override;
  std::vector<OnboardTrialRecord> OnboardTrials() override;

 private:
  class Stmt;
  class Tx;
  SqliteStore(std::filesystem::path path, sqlite3* db);
  void Exec(const char* sql);
  void Configure(bool writable);
  [[noreturn]] void Fail(const std::string& what, int rc) const;
  Stmt Prepare(const char* sql);
  /// The trials of `table` (trials, onboard_trials) with these ids start running.
  void MarkRunningIn(const char* table, const std::vector<uint64_t>& ids, double now);
  /// A trial of `table` ends; `perf_column`: the table also keeps the value as `perf`.
  void CommitOutcomeIn(const char* table, bool perf_column, const TrialRecord& t,
                       const std::string& what);

  /// Upgrades an older schema to kSchemaVersion.
  void Upgrade(int from_version);

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  bool has_imported_ = true;  ///< false for a version 1 database opened read-only
  bool has_onboard_ = true;   ///< false for a version 1 or 2 database opened read-only
};

/// Encodes level indices as "0,2,1"; the inverse throws core::Error on bad text.
std::string EncodeLevels(const std::vector<uint8_t>& levels);
std::vector<uint8_t> DecodeLevels(const std::string& text);

/// An exclusive advisory lock (flock) on `<dir>/.lock`, held until destroyed or the
/// process ends (also by kill -9, so a crash never leaves a stale lock).
class DirLock {
 public:
  /// Takes the lock without waiting. Throws core::InputError naming the directory (and
  /// the holder's pid when known) if another process holds it or the file cannot be made.
  static DirLock Acquire(const std::filesystem::path& dir);
  /// Waits for the lock (`iorec ask` and `tell`: short commands that take turns). Throws
  /// core::InputError naming the lock file if it cannot be made.
  static DirLock Wait(const std::filesystem::path& dir);
  DirLock(DirLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  DirLock& operator=(DirLock&&) = delete;
  ~DirLock();

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace iorec::store
