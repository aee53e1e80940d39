#include "iorec/store/sqlite_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "iorec/core/error.hpp"

namespace fs = std::filesystem;

namespace iorec::store {
namespace {

constexpr const char* kSchemaSql = R"sql(
CREATE TABLE schema_version (
  version INTEGER NOT NULL
);
CREATE TABLE study (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  config_yaml TEXT NOT NULL,
  config_hash TEXT NOT NULL,
  config_path TEXT NOT NULL,
  seed INTEGER NOT NULL,
  iorec_version TEXT NOT NULL,
  runner TEXT NOT NULL,
  knobs_json TEXT NOT NULL,
  created_at REAL NOT NULL,
  updated_at REAL NOT NULL,
  phase TEXT NOT NULL
);
CREATE TABLE features (
  idx INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE workloads (
  idx INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  source_file TEXT NOT NULL,
  attributes_json TEXT NOT NULL
);
CREATE TABLE workload_features (
  workload INTEGER NOT NULL REFERENCES workloads(idx),
  feature INTEGER NOT NULL REFERENCES features(idx),
  value REAL NOT NULL,
  PRIMARY KEY (workload, feature)
) WITHOUT ROWID;
CREATE TABLE warm_start (
  pos INTEGER PRIMARY KEY,
  levels TEXT NOT NULL
);
CREATE TABLE trials (
  trial_id INTEGER PRIMARY KEY,
  workload INTEGER NOT NULL REFERENCES workloads(idx),
  levels TEXT NOT NULL,
  config_json TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('baseline', 'warm', 'active', 'replicate')),
  iteration INTEGER NOT NULL,
  replicate INTEGER NOT NULL,
  batch INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
  ok INTEGER NOT NULL DEFAULT 0,
  perf REAL,
  raw_value REAL,
  gain REAL,
  failure_reason TEXT NOT NULL DEFAULT '',
  wall_seconds REAL NOT NULL DEFAULT 0,
  stdout_tail TEXT NOT NULL DEFAULT '',
  stderr_tail TEXT NOT NULL DEFAULT '',
  trial_dir TEXT NOT NULL DEFAULT '',
  started_at REAL NOT NULL DEFAULT 0,
  ended_at REAL NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX trials_by_workload ON trials (workload, status, perf, gain);
CREATE INDEX trials_by_status ON trials (status);
CREATE TABLE history (
  iteration INTEGER PRIMARY KEY,
  runs INTEGER NOT NULL,
  best_gain_so_far REAL NOT NULL,
  regret_at_3 REAL NOT NULL,
  hit_at_3 REAL NOT NULL,
  ndcg_at_3 REAL NOT NULL,
  record_json TEXT NOT NULL
);
)sql";

/// What version 2 added to version 1.
constexpr const char* kImportedSql = R"sql(
CREATE TABLE imported (
  seq INTEGER PRIMARY KEY,
  workload INTEGER NOT NULL REFERENCES workloads(idx),
  levels TEXT NOT NULL,
  config_json TEXT NOT NULL,
  metric REAL NOT NULL,
  enters_before_batch INTEGER NOT NULL,
  origin TEXT NOT NULL,
  file_hash TEXT NOT NULL,
  imported_at REAL NOT NULL
);
)sql";

/// What version 3 added to version 2: workloads added with `iorec onboard` and their trials.
constexpr const char* kOnboardSql = R"sql(
CREATE TABLE onboard_workloads (
  idx INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  source_file TEXT NOT NULL,
  attributes_json TEXT NOT NULL,
  features_json TEXT NOT NULL,
  budget INTEGER NOT NULL,
  added_at REAL NOT NULL
);
CREATE TABLE onboard_trials (
  trial_id INTEGER PRIMARY KEY,
  workload INTEGER NOT NULL REFERENCES onboard_workloads(idx),
  round INTEGER NOT NULL,
  levels TEXT NOT NULL,
  config_json TEXT NOT NULL,
  pick TEXT NOT NULL CHECK (pick IN ('baseline', 'zero_shot', 'transfer')),
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
  ok INTEGER NOT NULL DEFAULT 0,
  raw_value REAL,
  failure_reason TEXT NOT NULL DEFAULT '',
  wall_seconds REAL NOT NULL DEFAULT 0,
  stdout_tail TEXT NOT NULL DEFAULT '',
  stderr_tail TEXT NOT NULL DEFAULT '',
  trial_dir TEXT NOT NULL DEFAULT '',
  started_at REAL NOT NULL DEFAULT 0,
  ended_at REAL NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  UNIQUE (workload, round)
);
)sql";

bool IsBadFileCode(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

std::string CodeName(int rc) {
  const char* s = sqlite3_errstr(rc);
  return s ? s : "unknown error";
}

}  // namespace

std::string EncodeLevels(const std::vector<uint8_t>& levels) {
  std::string out;
  for (size_t i = 0; i < levels.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(levels[i]);
  }
  return out;
}

std::vector<uint8_t> DecodeLevels(const std::string& text) {
  std::vector<uint8_t> out;
  if (text.empty()) return out;
  size_t pos = 0;
  while (true) {
    const size_t comma = text.find(',', pos);
    const std::string part =
        text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (part.empty() || part.size() > 3 ||
        part.find_first_not_of("0123456789") != std::string::npos) {
      throw core::Error("bad config levels '" + text + "'");
    }
    const int v = std::stoi(part);
    if (v > 255) throw core::Error("bad config levels '" + text + "'");
    out.push_back(static_cast<uint8_t>(v));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

// ---- statement and transaction helpers ----

class SqliteStore::Stmt {
 public:
  Stmt(const SqliteStore& owner, sqlite3_stmt* s) : owner_(owner), s_(s) {}
  Stmt(Stmt&& o) noexcept : owner_(o.owner_), s_(o.s_) { o.s_ = nullptr; }
  ~Stmt() {
    if (s_) sqlite3_finalize(s_);
  }
  Stmt& Bind(int i, int64_t v) {
    Check(sqlite3_bind_int64(s_, i, v));
    return *this;
  }
  Stmt& Bind(int i, double v) {
    Check(std::isnan(v) ? sqlite3_bind_null(s_, i) : sqlite3_bind_double(s_, i, v));
    return *this;
  }
  Stmt& Bind(int i, const std::string& v) {
    Check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Stmt& BindNull(int i) {
    Check(sqlite3_bind_null(s_, i));
    return *this;
  }
  /// True while rows come.
  bool Step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    owner_.Fail("step", rc);
  }
  void Run() {
    while (Step()) {
    }
  }
  void Reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  int64_t Int(int c) const {
    CheckNumber(c);
    return sqlite3_column_int64(s_, c);
  }
  bool IsNull(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  double Double(int c) const {
    if (IsNull(c)) return std::numeric_limits<double>::quiet_NaN();
    CheckNumber(c);
    return sqlite3_column_double(s_, c);
  }
  std::string Text(int c) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, c))) : std::string();
  }

 private:
  void Check(int rc) const {
    if (rc != SQLITE_OK) owner_.Fail("bind", rc);
  }
  /// A numeric column holding text or bytes was changed outside iorec: SQLite would read it
  /// as 0 ("perf = 'abc'"). Refused, naming the column and value.
  void CheckNumber(int c) const {
    const int type = sqlite3_column_type(s_, c);
    if (type == SQLITE_INTEGER || type == SQLITE_FLOAT || type == SQLITE_NULL) return;
    const auto* name = sqlite3_column_name(s_, c);
    std::string value = type == SQLITE_TEXT
                            ? Text(c)
                            : "<" + std::to_string(sqlite3_column_bytes(s_, c)) + " bytes>";
    if (value.size() > 40) value = value.substr(0, 40) + "...";
    throw core::InputError(owner_.path_.string() + ": column '" + (name ? name : "?") +
                           "' holds '" + value +
                           "', not a number: the study database was changed outside iorec. It "
                           "was not modified; restore it, or move it aside with `iorec run "
                           "--restart`");
  }
  const SqliteStore& owner_;
  sqlite3_stmt* s_;
};

class SqliteStore::Tx {
 public:
  explicit Tx(SqliteStore& s) : s_(s) { s_.Exec("BEGIN IMMEDIATE"); }
  void Commit() {
    s_.Exec("COMMIT");
    done_ = true;
  }
  ~Tx() {
    if (!done_) sqlite3_exec(s_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  SqliteStore& s_;
  bool done_ = false;
};

void SqliteStore::Fail(const std::string& what, int rc) const {
  const int ext = db_ ? sqlite3_extended_errcode(db_) : rc;
  std::string msg = path_.string() + ": " + what + ": " +
                    (db_ ? sqlite3_errmsg(db_) : CodeName(rc)) + " (" + CodeName(ext) + ")";
  if ((rc & 0xff) == SQLITE_FULL || (ext & 0xff) == SQLITE_FULL) {
    msg +=
        "; the disk is full. Trials committed before this point are safe in the study "
        "database; free space and re-run the same command to resume";
  }
  if (IsBadFileCode(rc) || IsBadFileCode(ext)) {
    throw core::InputError(msg + "; the study database is corrupt or not a study database");
  }
  throw core::Error(msg);
}

SqliteStore::Stmt SqliteStore::Prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql, -1, &s, nullptr);
  if (rc != SQLITE_OK) Fail(std::string("prepare '") + sql + "'", rc);
  return Stmt(*this, s);
}

void SqliteStore::Exec(const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  if (rc != SQLITE_OK) Fail(sql, rc);
}

SqliteStore::SqliteStore(fs::path path, sqlite3* db) : path_(std::move(path)), db_(db) {}

void SqliteStore::Configure(bool writable) {
  if (writable) {
    // WAL: a commit appends to the log and readers (`iorec status`) never block the writer.
    // synchronous=NORMAL (default): a committed trial survives the process being killed
    // (kill -9, wall-time limit, Ctrl-C) and the database is never corrupted; only a crash
    // of the node's OS or power within the last checkpoint interval can lose the newest
    // commits, and those trials are then simply re-run on resume. FULL fsyncs every commit
    // (~3-4 ms here, over the 2 ms budget); IOREC_STORE_SYNC=full selects it.
    Exec("PRAGMA journal_mode=WAL");
    const char* sync = std::getenv("IOREC_STORE_SYNC");
    Exec(sync && std::string(sync) == "full" ? "PRAGMA synchronous=FULL"
                                             : "PRAGMA synchronous=NORMAL");
  }
  Exec("PRAGMA foreign_keys=ON");
}

SqliteStore::~SqliteStore() {
  if (db_) sqlite3_close_v2(db_);
}

namespace {

sqlite3* OpenRaw(const fs::path& path, int flags) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = path.string() + ": cannot open the study database: " +
                            (db ? sqlite3_errmsg(db) : CodeName(rc));
    if (db) sqlite3_close_v2(db);
    throw core::InputError(msg);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  return db;
}

/// `path` as an SQLite URI ("file:" and the path, percent-encoded where needed).
std::string FileUri(const fs::path& path) {
  const std::string abs = fs::absolute(path).string();
  std::string uri = "file:";
  for (unsigned char c : abs) {
    if (std::isalnum(c) != 0 || std::strchr("/._~-", c) != nullptr) {
      uri += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      uri += buf;
    }
  }
  return uri;
}

/// Whether `rc` says SQLite could not get at the file or its WAL index (-shm) for reading.
bool IsAccessCode(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN || primary == SQLITE_PERM ||
         primary == SQLITE_AUTH;
}

/// A read-only connection that can read the study. Reading a WAL database normally makes
/// SQLite create its -shm file beside it; where this process cannot write the directory (a
/// read-only disk, another user's study) the database is opened immutable instead, which
/// needs no file of its own. That is only safe when nothing is waiting in the -wal file, so
/// a non-empty one (a run writing the study, or killed) is an error that says what to do.
sqlite3* OpenReadOnly(const fs::path& path) {
  sqlite3* db = OpenRaw(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
  const int rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  const int ext = sqlite3_extended_errcode(db);
  const fs::path dir = fs::absolute(path).parent_path();
  if (rc == SQLITE_OK || !(IsAccessCode(rc) || IsAccessCode(ext)) ||
      ::access(dir.c_str(), W_OK) == 0) {
    return db;  // readable, or some other problem that the caller reports
  }
  sqlite3_close_v2(db);
  std::error_code ec;
  const fs::path wal = path.string() + "-wal";
  const auto wal_bytes = fs::exists(wal, ec) ? fs::file_size(wal, ec) : 0;
  if (wal_bytes > 0) {
    throw core::InputError(
        path.string() + ": cannot read the study: its directory " + dir.string() +
        " is not writable by this user and " + wal.filename().string() + " holds " +
        std::to_string(wal_bytes) +
        " bytes of commits not yet merged into the database (a run is writing the study, or "
        "one was killed). Run the command as a user who can write the directory, or on a "
        "copy (cp -a the directory somewhere writable)");
  }
  return OpenRaw(FileUri(path) + "?immutable=1",
                 SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX);
}

}  // namespace

std::unique_ptr<SqliteStore> SqliteStore::Create(const fs::path& path) {
  std::error_code ec;
  if (fs::exists(path, ec)) throw core::InputError(path.string() + ": already exists");
  sqlite3* db = OpenRaw(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
  std::unique_ptr<SqliteStore> s(new SqliteStore(path, db));
  s->Configure(/*writable=*/true);
  Tx tx(*s);
  s->Exec(kSchemaSql);
  s->Exec(kImportedSql);
  s->Exec(kOnboardSql);
  s->Prepare("INSERT INTO schema_version(version) VALUES (?)")
      .Bind(1, int64_t{kSchemaVersion})
      .Run();
  tx.Commit();
  return s;
}

std::unique_ptr<SqliteStore> SqliteStore::Open(const fs::path& path, Mode mode, bool quick_check) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw core::InputError(path.string() + ": no study database here");
  }
  int version = kSchemaVersion;
  {
    // Validate through a read-only connection so a bad file is never touched.
    std::unique_ptr<SqliteStore> ro(new SqliteStore(path, OpenReadOnly(path)));
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(ro->db_, "SELECT version FROM schema_version", -1, &raw, nullptr);
    if (rc != SQLITE_OK) {
      const std::string err = sqlite3_errmsg(ro->db_);
      if (IsBadFileCode(rc) || IsBadFileCode(sqlite3_extended_errcode(ro->db_))) {
        throw core::InputError(path.string() + ": not a valid study database (" + err +
                               "); it is corrupt or truncated. It was not modified; move it "
                               "aside or use `iorec run --restart`");
      }
      if (IsAccessCode(rc) || IsAccessCode(sqlite3_extended_errcode(ro->db_))) {
        throw core::InputError(path.string() + ": cannot read the study database (" + err +
                               "); check the permissions of the file and its directory");
      }
      throw core::InputError(path.string() + ": not an iorec study database (" + err +
                             "); it was not modified");
    }
    Stmt st(*ro, raw);
    std::vector<int64_t> versions;
    try {
      while (st.Step()) versions.push_back(st.Int(0));
    } catch (const core::Error& e) {
      throw core::InputError(std::string(e.what()) + "; it was not modified");
    }
    if (versions.size() != 1) {
      throw core::InputError(path.string() + ": schema_version table has " +
                             std::to_string(versions.size()) +
                             " rows; not a valid study database; it was not modified");
    }
    if (versions[0] < kOldestSchemaVersion || versions[0] > kSchemaVersion) {
      throw core::InputError(path.string() + ": study database schema version " +
                             std::to_string(versions[0]) + ", but this iorec (" + IOREC_VERSION +
                             ") reads versions " + std::to_string(kOldestSchemaVersion) + " to " +
                             std::to_string(kSchemaVersion) +
                             "; it was not modified. Use a matching iorec, or `iorec run "
                             "--restart` to move it aside and start over");
    }
    version = static_cast<int>(versions[0]);
    if (quick_check) {
      auto qc = ro->Prepare("PRAGMA quick_check");
      std::string problems;
      try {
        while (qc.Step()) {
          const std::string line = qc.Text(0);
          if (line != "ok") problems += (problems.empty() ? "" : "; ") + line;
        }
      } catch (const core::Error& e) {
        problems = e.what();
      }
      if (!problems.empty()) {
        throw core::InputError(path.string() + ": the study database is corrupt (" +
                               problems.substr(0, 300) + "); it was not modified");
      }
    }
  }
  std::unique_ptr<SqliteStore> s(new SqliteStore(
      path, mode == Mode::kReadOnly ? OpenReadOnly(path)
                                    : OpenRaw(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX)));
  s->Configure(mode == Mode::kReadWrite);
  if (version < kSchemaVersion) {
    if (mode == Mode::kReadWrite) {
      s->Upgrade(version);
    } else {
      s->has_imported_ = version >= 2;  // version 1: nothing was imported
      s->has_onboard_ = false;          // before version 3: nothing was onboarded
    }
  }
  return s;
}

void SqliteStore::Upgrade(int from_version) {
  Tx tx(*this);
  if (from_version < 2) Exec(kImportedSql);
  if (from_version < 3) Exec(kOnboardSql);
  Prepare("UPDATE schema_version SET version = ?").Bind(1, int64_t{kSchemaVersion}).Run();
  tx.Commit();
}

std::optional<StudyInfo> SqliteStore::Study() {
  auto st = Prepare(
      "SELECT config_yaml, config_hash, config_path, seed, iorec_version, runner, knobs_json, "
      "created_at, updated_at, phase FROM study WHERE id = 1");
  if (!st.Step()) return std::nullopt;
  StudyInfo info;
  info.config_yaml = st.Text(0);
  info.config_hash = st.Text(1);
  info.config_path = st.Text(2);
  info.seed = static_cast<uint64_t>(st.Int(3));
  info.iorec_version = st.Text(4);
  info.runner = st.Text(5);
  try {
    const auto knobs = nlohmann::json::parse(st.Text(6));
    for (const auto& k : knobs) {
      info.knob_names.push_back(k.at("name").get<std::string>());
      info.knob_values.push_back(k.at("values").get<std::vector<std::string>>());
    }
  } catch (const nlohmann::json::exception& e) {
    throw core::InputError(path_.string() + ": study.knobs_json is malformed: " + e.what());
  }
  info.created_at = st.Double(7);
  info.updated_at = st.Double(8);
  info.phase = st.Text(9);
  return info;
}

void SqliteStore::CreateStudy(const StudyInfo& info, const space::WorkloadSet& ws) {
  Tx tx(*this);
  nlohmann::json knobs = nlohmann::json::array();
  for (size_t k = 0; k < info.knob_names.size(); ++k) {
    knobs.push_back({{"name", info.knob_names[k]},
                     {"values", k < info.knob_values.size() ? info.knob_values[k]
                                                            : std::vector<std::string>{}}});
  }
  Prepare(
      "INSERT INTO study(id, config_yaml, config_hash, config_path, seed, iorec_version, runner, "
      "knobs_json, created_at, updated_at, phase) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .Bind(1, info.config_yaml)
      .Bind(2, info.config_hash)
      .Bind(3, info.config_path)
      .Bind(4, static_cast<int64_t>(info.seed))
      .Bind(5, info.iorec_version)
      .Bind(6, info.runner)
      .Bind(7, knobs.dump())
      .Bind(8, info.created_at)
      .Bind(9, info.updated_at)
      .Bind(10, info.phase)
      .Run();
  auto feat = Prepare("INSERT INTO features(idx, name) VALUES (?, ?)");
  for (size_t j = 0; j < ws.feature_names.size(); ++j) {
    feat.Bind(1, static_cast<int64_t>(j)).Bind(2, ws.feature_names[j]).Run();
    feat.Reset();
  }
  auto wl =
      Prepare("INSERT INTO workloads(idx, id, source_file, attributes_json) VALUES (?, ?, ?, ?)");
  auto wf = Prepare("INSERT INTO workload_features(workload, feature, value) VALUES (?, ?, ?)");
  for (size_t w = 0; w < ws.size(); ++w) {
    const auto& wk = ws.workloads[w];
    wl.Bind(1, static_cast<int64_t>(w))
        .Bind(2, wk.id)
        .Bind(3, wk.source_file)
        .Bind(4, nlohmann::json(wk.attributes).dump())
        .Run();
    wl.Reset();
    for (size_t j = 0; j < wk.features.size(); ++j) {
      wf.Bind(1, static_cast<int64_t>(w))
          .Bind(2, static_cast<int64_t>(j))
          .Bind(3, wk.features[j])
          .Run();
      wf.Reset();
    }
  }
  tx.Commit();
}

void SqliteStore::SetPhase(const std::string& phase, double now) {
  Prepare("UPDATE study SET phase = ?, updated_at = ? WHERE id = 1")
      .Bind(1, phase)
      .Bind(2, now)
      .Run();
}

space::WorkloadSet SqliteStore::Workloads() {
  space::WorkloadSet ws;
  auto f = Prepare("SELECT name FROM features ORDER BY idx");
  while (f.Step()) ws.feature_names.push_back(f.Text(0));
  auto wl = Prepare("SELECT idx, id, source_file, attributes_json FROM workloads ORDER BY idx");
  while (wl.Step()) {
    space::Workload w;
    w.id = wl.Text(1);
    w.source_file = wl.Text(2);
    try {
      w.attributes = nlohmann::json::parse(wl.Text(3)).get<std::map<std::string, std::string>>();
    } catch (const nlohmann::json::exception& e) {
      throw core::InputError(path_.string() +
                             ": workloads.attributes_json is malformed: " + e.what());
    }
    w.features.assign(ws.feature_names.size(), 0.0);
    ws.workloads.push_back(std::move(w));
  }
  auto wf = Prepare("SELECT workload, feature, value FROM workload_features");
  while (wf.Step()) {
    const auto w = static_cast<size_t>(wf.Int(0));
    const auto j = static_cast<size_t>(wf.Int(1));
    if (w < ws.size() && j < ws.feature_names.size()) ws.workloads[w].features[j] = wf.Double(2);
  }
  return ws;
}

void SqliteStore::PutWarmStart(const std::vector<std::vector<uint8_t>>& configs) {
  Tx tx(*this);
  Exec("DELETE FROM warm_start");
  auto st = Prepare("INSERT INTO warm_start(pos, levels) VALUES (?, ?)");
  for (size_t i = 0; i < configs.size(); ++i) {
    st.Bind(1, static_cast<int64_t>(i)).Bind(2, EncodeLevels(configs[i])).Run();
    st.Reset();
  }
  tx.Commit();
}

std::vector<std::vector<uint8_t>> SqliteStore::WarmStart() {
  std::vector<std::vector<uint8_t>> out;
  auto st = Prepare("SELECT levels FROM warm_start ORDER BY pos");
  while (st.Step()) out.push_back(DecodeLevels(st.Text(0)));
  return out;
}

void SqliteStore::AddPending(const std::vector<TrialRecord>& trials) {
  if (trials.empty()) return;
  Tx tx(*this);
  auto st = Prepare(
      "INSERT OR IGNORE INTO trials(trial_id, workload, levels, config_json, source, iteration, "
      "replicate, batch, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')");
  for (const auto& t : trials) {
    st.Bind(1, static_cast<int64_t>(t.trial_id))
        .Bind(2, static_cast<int64_t>(t.workload))
        .Bind(3, EncodeLevels(t.levels))
        .Bind(4, t.values_json)
        .Bind(5, std::string(runner::ToString(t.source)))
        .Bind(6, static_cast<int64_t>(t.iteration))
        .Bind(7, static_cast<int64_t>(t.replicate))
        .Bind(8, static_cast<int64_t>(t.batch))
        .Run();
    st.Reset();
  }
  tx.Commit();
}

void SqliteStore::MarkRunningIn(const char* table, const std::vector<uint64_t>& ids, double now) {
  if (ids.empty()) return;
  Tx tx(*this);
  const std::string sql = std::string("UPDATE ") + table +
                          " SET status = 'running', started_at = ?, attempts = attempts + 1 "
                          "WHERE trial_id = ?";
  auto st = Prepare(sql.c_str());
  for (uint64_t id : ids) {
    st.Bind(1, now).Bind(2, static_cast<int64_t>(id)).Run();
    st.Reset();
  }
  tx.Commit();
}

void SqliteStore::MarkRunning(const std::vector<uint64_t>& ids, double now) {
  MarkRunningIn("trials", ids, now);
}

void SqliteStore::CommitOutcomeIn(const char* table, bool perf_column, const TrialRecord& t,
                                  const std::string& what) {
  Tx tx(*this);
  const std::string sql =
      std::string("UPDATE ") + table +
      " SET status = ?1, ok = ?2, raw_value = ?3, failure_reason = ?4, wall_seconds = ?5, "
      "stdout_tail = ?6, stderr_tail = ?7, trial_dir = ?8, ended_at = ?9, "
      "started_at = CASE WHEN started_at = 0 THEN ?10 ELSE started_at END, "
      "attempts = MAX(attempts, ?11)" +
      (perf_column ? ", perf = ?3" : "") + " WHERE trial_id = ?12";
  auto st = Prepare(sql.c_str());
  st.Bind(1, std::string(ToString(t.status)))
      .Bind(2, int64_t{t.ok ? 1 : 0})
      .Bind(3, std::isfinite(t.value) ? t.value : std::numeric_limits<double>::quiet_NaN())
      .Bind(4, t.failure_reason)
      .Bind(5, t.wall_seconds)
      .Bind(6, t.stdout_tail)
      .Bind(7, t.stderr_tail)
      .Bind(8, t.trial_dir)
      .Bind(9, t.ended_at)
      .Bind(10, t.started_at)
      .Bind(11, static_cast<int64_t>(t.attempts))
      .Bind(12, static_cast<int64_t>(t.trial_id))
      .Run();
  if (sqlite3_changes(db_) != 1) {
    throw core::Error(path_.string() + ": " + what + " " + std::to_string(t.trial_id) +
                      " was not recorded as pending before it finished");
  }
  tx.Commit();
}

void SqliteStore::CommitTrial(const TrialRecord& t) {
  CommitOutcomeIn("trials", /*perf_column=*/true, t, "trial");
}

void SqliteStore::PutDerived(const std::vector<std::pair<uint64_t, double>>& gains,
                             const std::vector<HistoryRow>& history) {
  if (gains.empty() && history.empty()) return;
  Tx tx(*this);
  auto g = Prepare("UPDATE trials SET gain = ? WHERE trial_id = ?");
  for (const auto& [id, gain] : gains) {
    g.Bind(1, gain).Bind(2, static_cast<int64_t>(id)).Run();
    g.Reset();
  }
  auto h = Prepare(
      "INSERT OR REPLACE INTO history(iteration, runs, best_gain_so_far, regret_at_3, hit_at_3, "
      "ndcg_at_3, record_json) VALUES (?, ?, ?, ?, ?, ?, ?)");
  for (const auto& r : history) {
    h.Bind(1, static_cast<int64_t>(r.iteration))
        .Bind(2, static_cast<int64_t>(r.runs))
        .Bind(3, r.best_gain_so_far)
        .Bind(4, r.regret_at_3)
        .Bind(5, r.hit_at_3)
        .Bind(6, r.ndcg_at_3)
        .Bind(7, r.json)
        .Run();
    h.Reset();
  }
  tx.Commit();
}

int SqliteStore::AddImported(std::vector<ImportedRecord> records) {
  Tx tx(*this);
  auto batches = Prepare("SELECT COALESCE(MAX(batch) + 1, 0) FROM trials");
  batches.Step();
  const int enters = static_cast<int>(batches.Int(0));
  auto next = Prepare("SELECT COALESCE(MAX(seq), 0) FROM imported");
  next.Step();
  int64_t seq = next.Int(0);
  auto st = Prepare(
      "INSERT INTO imported(seq, workload, levels, config_json, metric, enters_before_batch, "
      "origin, file_hash, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (auto& r : records) {
    r.seq = static_cast<uint64_t>(++seq);
    r.enters_before_batch = enters;
    st.Bind(1, seq)
        .Bind(2, static_cast<int64_t>(r.workload))
        .Bind(3, EncodeLevels(r.levels))
        .Bind(4, r.values_json)
        .Bind(5, r.metric)
        .Bind(6, int64_t{enters})
        .Bind(7, r.origin)
        .Bind(8, r.file_hash)
        .Bind(9, r.imported_at)
        .Run();
    st.Reset();
  }
  tx.Commit();
  return enters;
}

std::vector<ImportedRecord> SqliteStore::Imported() {
  std::vector<ImportedRecord> out;
  if (!has_imported_) return out;
  auto st = Prepare(
      "SELECT seq, workload, levels, config_json, metric, enters_before_batch, origin, "
      "file_hash, imported_at FROM imported ORDER BY seq");
  while (st.Step()) {
    ImportedRecord r;
    r.seq = static_cast<uint64_t>(st.Int(0));
    r.workload = static_cast<uint32_t>(st.Int(1));
    r.levels = DecodeLevels(st.Text(2));
    r.values_json = st.Text(3);
    r.metric = st.Double(4);
    r.enters_before_batch = static_cast<int>(st.Int(5));
    r.origin = st.Text(6);
    r.file_hash = st.Text(7);
    r.imported_at = st.Double(8);
    out.push_back(std::move(r));
  }
  return out;
}

namespace {

/// A trial's outcome from 11 columns starting at `c`: status, ok, value, failure_reason,
/// wall_seconds, stdout_tail, stderr_tail, trial_dir, started_at, ended_at, attempts.
template <typename Stmt>
void ReadOutcome(Stmt& st, int c, TrialRecord& t) {
  t.status = TrialStatusFromString(st.Text(c));
  t.ok = st.Int(c + 1) != 0;
  t.value = st.Double(c + 2);
  t.failure_reason = st.Text(c + 3);
  t.wall_seconds = st.Double(c + 4);
  t.stdout_tail = st.Text(c + 5);
  t.stderr_tail = st.Text(c + 6);
  t.trial_dir = st.Text(c + 7);
  t.started_at = st.Double(c + 8);
  t.ended_at = st.Double(c + 9);
  t.attempts = static_cast<int>(st.Int(c + 10));
}

}  // namespace

std::vector<TrialRecord> SqliteStore::Trials() {
  std::vector<TrialRecord> out;
  auto st = Prepare(
      "SELECT trial_id, workload, levels, config_json, source, iteration, replicate, batch, "
      "status, ok, perf, failure_reason, wall_seconds, stdout_tail, stderr_tail, trial_dir, "
      "started_at, ended_at, attempts, gain FROM trials ORDER BY trial_id");
  while (st.Step()) {
    TrialRecord t;
    t.trial_id = static_cast<uint64_t>(st.Int(0));
    t.workload = static_cast<uint32_t>(st.Int(1));
    t.levels = DecodeLevels(st.Text(2));
    t.values_json = st.Text(3);
    t.source = TrialSourceFromString(st.Text(4));
    t.iteration = static_cast<int>(st.Int(5));
    t.replicate = static_cast<int>(st.Int(6));
    t.batch = static_cast<int>(st.Int(7));
    ReadOutcome(st, 8, t);
    if (!st.IsNull(19)) t.gain = st.Double(19);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<HistoryRow> SqliteStore::History() {
  std::vector<HistoryRow> out;
  auto st = Prepare(
      "SELECT iteration, runs, best_gain_so_far, regret_at_3, hit_at_3, ndcg_at_3, record_json "
      "FROM history ORDER BY iteration");
  while (st.Step()) {
    HistoryRow h;
    h.iteration = static_cast<int>(st.Int(0));
    h.runs = static_cast<uint64_t>(st.Int(1));
    h.best_gain_so_far = st.Double(2);
    h.regret_at_3 = st.Double(3);
    h.hit_at_3 = st.Double(4);
    h.ndcg_at_3 = st.Double(5);
    h.json = st.Text(6);
    out.push_back(std::move(h));
  }
  return out;
}

StatusSummary SqliteStore::Summary() {
  StatusSummary s;
  auto wl = Prepare("SELECT idx, id FROM workloads ORDER BY idx");
  while (wl.Step()) {
    WorkloadStatus w;
    w.workload = static_cast<uint32_t>(wl.Int(0));
    w.id = wl.Text(1);
    s.workloads.push_back(std::move(w));
  }
  // Served by the covering index trials_by_workload.
  auto counts = Prepare("SELECT workload, status, COUNT(*) FROM trials GROUP BY workload, status");
  while (counts.Step()) {
    const auto w = static_cast<size_t>(counts.Int(0));
    if (w >= s.workloads.size()) continue;
    auto& ws = s.workloads[w];
    const auto n = static_cast<uint64_t>(counts.Int(2));
    const TrialStatus status = TrialStatusFromString(counts.Text(1));
    s.total += n;
    switch (status) {
      case TrialStatus::kPending:
        ws.pending += n, s.pending += n;
        break;
      case TrialStatus::kRunning:
        ws.running += n, s.running += n;
        break;
      case TrialStatus::kDone:
        ws.done += n, s.done += n;
        break;
      case TrialStatus::kFailed:
        ws.failed += n, s.failed += n;
        break;
    }
  }
  // SQLite returns the bare column (perf) from the row holding the MAX.
  auto best = Prepare(
      "SELECT workload, perf, MAX(gain) FROM trials WHERE gain IS NOT NULL GROUP BY workload");
  while (best.Step()) {
    const auto w = static_cast<size_t>(best.Int(0));
    if (w >= s.workloads.size()) continue;
    if (!best.IsNull(1)) s.workloads[w].best_perf = best.Double(1);
    s.workloads[w].best_gain = best.Double(2);
  }
  auto base = Prepare(
      "SELECT workload, perf FROM trials WHERE source = 'baseline' AND status = 'done' "
      "ORDER BY trial_id");
  while (base.Step()) {
    const auto w = static_cast<size_t>(base.Int(0));
    if (w < s.workloads.size() && !base.IsNull(1)) s.workloads[w].baseline_perf = base.Double(1);
  }
  auto agg = Prepare(
      "SELECT (SELECT MAX(iteration) FROM trials), (SELECT MAX(ended_at) FROM trials), "
      "(SELECT MAX(iteration) FROM history)");
  if (agg.Step()) {
    s.max_iteration = agg.IsNull(0) ? -1 : static_cast<int>(agg.Int(0));
    s.last_trial_end = agg.IsNull(1) ? 0.0 : agg.Double(1);
    s.last_history_iteration = agg.IsNull(2) ? -1 : static_cast<int>(agg.Int(2));
  }
  if (has_imported_) {
    auto imported = Prepare("SELECT COUNT(*) FROM imported");
    if (imported.Step()) s.imported = static_cast<uint64_t>(imported.Int(0));
  }
  return s;
}

// ---- onboarding (schema version 3) ----

void SqliteStore::PutOnboardWorkloads(const std::vector<OnboardWorkloadRecord>& records) {
  if (records.empty()) return;
  Tx tx(*this);
  auto st = Prepare(
      "INSERT INTO onboard_workloads(idx, id, source_file, attributes_json, features_json, "
      "budget, added_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(idx) DO UPDATE SET budget = excluded.budget");
  for (const auto& r : records) {
    st.Bind(1, static_cast<int64_t>(r.idx))
        .Bind(2, r.workload.id)
        .Bind(3, r.workload.source_file)
        .Bind(4, nlohmann::json(r.workload.attributes).dump())
        .Bind(5, nlohmann::json(r.workload.features).dump())
        .Bind(6, static_cast<int64_t>(r.budget))
        .Bind(7, r.added_at)
        .Run();
    st.Reset();
  }
  tx.Commit();
}

std::vector<OnboardWorkloadRecord> SqliteStore::OnboardWorkloads() {
  std::vector<OnboardWorkloadRecord> out;
  if (!has_onboard_) return out;
  auto st = Prepare(
      "SELECT idx, id, source_file, attributes_json, features_json, budget, added_at "
      "FROM onboard_workloads ORDER BY idx");
  while (st.Step()) {
    OnboardWorkloadRecord r;
    r.idx = static_cast<uint32_t>(st.Int(0));
    r.workload.id = st.Text(1);
    r.workload.source_file = st.Text(2);
    try {
      r.workload.attributes =
          nlohmann::json::parse(st.Text(3)).get<std::map<std::string, std::string>>();
      r.workload.features = nlohmann::json::parse(st.Text(4)).get<std::vector<double>>();
    } catch (const nlohmann::json::exception& e) {
      throw core::InputError(path_.string() + ": onboard_workloads row " + r.workload.id +
                             " is malformed: " + e.what());
    }
    r.budget = static_cast<int>(st.Int(5));
    r.added_at = st.Double(6);
    out.push_back(std::move(r));
  }
  return out;
}

void SqliteStore::AddOnboardPending(const std::vector<OnboardTrialRecord>& trials) {
  if (trials.empty()) return;
  Tx tx(*this);
  auto st = Prepare(
      "INSERT OR IGNORE INTO onboard_trials(trial_id, workload, round, levels, config_json, "
      "pick, status) VALUES (?, ?, ?, ?, ?, ?, 'pending')");
  for (const auto& t : trials) {
    st.Bind(1, static_cast<int64_t>(t.run.trial_id))
        .Bind(2, static_cast<int64_t>(t.run.workload))
        .Bind(3, static_cast<int64_t>(t.run.iteration))
        .Bind(4, EncodeLevels(t.run.levels))
        .Bind(5, t.run.values_json)
        .Bind(6, t.pick)
        .Run();
    st.Reset();
  }
  tx.Commit();
}

void SqliteStore::MarkOnboardRunning(const std::vector<uint64_t>& ids, double now) {
  MarkRunningIn("onboard_trials", ids, now);
}

void SqliteStore::CommitOnboardTrial(const TrialRecord& t) {
  CommitOutcomeIn("onboard_trials", /*perf_column=*/false, t, "onboarding trial");
}

std::vector<OnboardTrialRecord> SqliteStore::OnboardTrials() {
  std::vector<OnboardTrialRecord> out;
  if (!has_onboard_) return out;
  auto st = Prepare(
      "SELECT trial_id, workload, round, levels, config_json, pick, status, ok, raw_value, "
      "failure_reason, wall_seconds, stdout_tail, stderr_tail, trial_dir, started_at, ended_at, "
      "attempts FROM onboard_trials ORDER BY trial_id");
  while (st.Step()) {
    OnboardTrialRecord r;
    TrialRecord& t = r.run;
    t.trial_id = static_cast<uint64_t>(st.Int(0));
    t.workload = static_cast<uint32_t>(st.Int(1));
    t.iteration = static_cast<int>(st.Int(2));
    t.levels = DecodeLevels(st.Text(3));
    t.values_json = st.Text(4);
    r.pick = st.Text(5);
    t.source = r.pick == "baseline" ? runner::TrialSource::kBaseline : runner::TrialSource::kActive;
    ReadOutcome(st, 6, t);
    out.push_back(std::move(r));
  }
  return out;
}

// ---- DirLock ----

namespace {

int OpenLockFile(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw core::InputError(p.string() + ": cannot create the lock file: " + std::strerror(errno));
  }
  return fd;
}

void WritePid(int fd) {
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is only informative; the lock itself is held.
  }
}

}  // namespace

DirLock DirLock::Wait(const fs::path& dir) {
  const fs::path p = dir / ".lock";
  const int fd = OpenLockFile(p);
  int rc;
  while ((rc = ::flock(fd, LOCK_EX)) != 0 && errno == EINTR) {
  }
  if (rc != 0) {
    const int err = errno;
    ::close(fd);
    throw core::InputError(p.string() + ": cannot lock: " + std::strerror(err));
  }
  WritePid(fd);
  return DirLock(fd);
}

DirLock DirLock::Acquire(const fs::path& dir) {
  const fs::path p = dir / ".lock";
  const int fd = OpenLockFile(p);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {0};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    ::close(fd);
    if (err == EWOULDBLOCK) {
      throw core::InputError(dir.string() + ": another iorec process" +
                             (holder.empty() ? std::string() : " (pid " + holder + ")") +
                             " is running a study in this directory; wait for it to finish "
                             "or stop it first");
    }
    throw core::InputError(p.string() + ": cannot lock: " + std::strerror(err));
  }
  WritePid(fd);
  return DirLock(fd);
}

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace iorec::store
