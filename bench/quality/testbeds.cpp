#include "testbeds.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "iorec/core/error.hpp"
#include "iorec/core/hash.hpp"
#include "iorec/core/rng.hpp"
#include "iorec/core/units.hpp"

namespace iorec::bench {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kGiB = 1024.0 * kMiB;
constexpr double kPage = 4096.0;

/// Multiplicative run-to-run noise, seeded by (seed, workload id, config, replicate).
double Noisy(double perf, uint64_t seed, const space::Space& space, const runner::TrialRequest& r,
             double noise_std) {
  if (noise_std <= 0.0) return perf;
  const uint64_t h = core::HashCombine(
      core::HashCombine(core::Mix64(seed), core::Fnv1a64("bench_noise:" + r.workload->id)),
      core::HashCombine(space.Rank(r.config), static_cast<uint64_t>(r.replicate)));
  core::Rng rng(h);
  const double eps = std::clamp(rng.Normal(), -4.0, 4.0);
  return perf * std::max(0.05, 1.0 + noise_std * eps);
}

// ---------------------------------------------------------------------------------------
// The stub, answering for any feature vector.

class StubBench final : public BenchTestbed {
 public:
  StubBench(const space::Space& space, const space::WorkloadSet& training, uint64_t seed,
            double noise_std, uint64_t enum_threshold, int sampled)
      : space_(space),
        stub_(space, training, seed, noise_std),
        training_(training),
        seed_(seed),
        noise_std_(noise_std),
        enum_threshold_(enum_threshold),
        sampled_(sampled) {}

  runner::TrialOutcome Run(const runner::TrialRequest& r) override {
    // The training workloads run exactly as on the stub itself (same noise).
    if (r.workload_index < training_.size() &&
        training_.workloads[r.workload_index].id == r.workload->id) {
      return stub_.Run(r);
    }
    runner::TrialOutcome out;
    out.ok = true;
    out.value = Noisy(TruePerf(r.workload->features, r.config), seed_, space_, r, noise_std_);
    return out;
  }
  std::string name() const override { return "stub"; }

  double TruePerf(const std::vector<double>& f, const space::Config& c) const override {
    const int w = TrainingIndex(f);
    return w >= 0 ? stub_.TruePerf(static_cast<uint32_t>(w), c) : stub_.TruePerfForFeatures(f, c);
  }
  Optimum FindOptimum(const std::vector<double>& f) const override {
    const int w = TrainingIndex(f);
    const auto o = w >= 0 ? stub_.FindOptimum(static_cast<uint32_t>(w), enum_threshold_, sampled_)
                          : stub_.FindOptimumForFeatures(f, enum_threshold_, sampled_);
    return {o.config, o.perf};
  }

 private:
  /// The training workload with exactly these features (the stub keeps its parameters
  /// precomputed), or -1.
  int TrainingIndex(const std::vector<double>& f) const {
    for (size_t w = 0; w < training_.size(); ++w) {
      if (training_.workloads[w].features == f) return static_cast<int>(w);
    }
    return -1;
  }

  const space::Space& space_;
  runner::StubTestbed stub_;
  const space::WorkloadSet& training_;
  uint64_t seed_;
  double noise_std_;
  uint64_t enum_threshold_;
  int sampled_;
};

// ---------------------------------------------------------------------------------------
// A Lustre / MPI-IO performance model.
//
// Each rank issues a mix of reads and writes of three sizes (the pct_read_* / pct_write_*
// bins: 32 KiB, 1 MiB, 64 MiB), on shared or file-per-process files, plus metadata calls.
// Time per call comes from RPC counts and latency (osc_max_pages_per_rpc, stripe_size,
// osc_max_rpcs_in_flight, readahead / write-back coalescing of sequential calls), bandwidth
// shares of the OSTs a file is striped over and of the client NICs, OST congestion from
// in-flight RPCs and bytes of all ranks, extent-lock conflicts between ranks writing the
// same stripe of a shared file, and metadata-server queueing. Shared-file I/O of several
// ranks goes through MPI-IO collective buffering: the ranks' data are exchanged to
// min(num_aggregators, nodes x aggregators_per_client, nprocs) aggregators, which write
// collective_buffer_size chunks in rounds (lock-free when aggregators and stripe count
// divide one another; memory pressure when the buffers of a node exceed its memory).
// So the best stripe count, aggregator count, buffer size, RPC size and window all move
// with nprocs and access size. Performance is MiB/s: total bytes over the ranks' time.

struct Machine {
  double n_ost = 16;               // OSTs
  double ost_bw = 1.0e9;           // bytes/s per OST, streaming
  double ost_iops = 2.0e4;         // RPCs/s per OST for small RPCs
  double ost_buffer = 1.0 * kGiB;  // in-flight bulk bytes per OST before congestion
  double ost_threads = 256;        // RPCs per OST served at once before queueing
  double ppn = 32;                 // ranks per client node
  double nic_bw = 5.0e9;           // bytes/s per client node
  double memcpy_bw = 8.0e9;        // bytes/s, a rank's copy bandwidth
  double rpc_latency = 4e-4;       // s, one bulk RPC round trip
  double op_overhead = 1.5e-5;     // s, client-side cost of one I/O call
  double max_dirty = 256 * kMiB;   // per OSC: bytes of write RPCs in flight
  double mds_latency = 3e-4;       // s, one metadata RPC
  double mds_threads = 512;        // metadata RPCs served at once before queueing
  double node_memory = 8 * kGiB;   // per client node, for collective buffers
  double round_latency = 3e-4;     // s, one step of the two-phase exchange
  double create_cost = 6e-5;       // s per OST object created at open
  double lock_cost = 0.35;         // slowdown per extra rank sharing a lock extent
};

/// The machine varies a little with the seed (±20% per constant, counts fixed), so the
/// benchmark is not tuned to one set of constants.
Machine MachineFor(uint64_t seed) {
  Machine m;
  core::Rng rng(seed, "lustre_model_machine");
  auto jitter = [&](double& v) { v *= std::exp(0.2 * std::clamp(rng.Normal(), -2.0, 2.0)); };
  for (double* v : {&m.ost_bw, &m.ost_iops, &m.ost_buffer, &m.nic_bw, &m.memcpy_bw, &m.rpc_latency,
                    &m.op_overhead, &m.max_dirty, &m.mds_latency, &m.node_memory, &m.round_latency,
                    &m.create_cost, &m.lock_cost})
    jitter(*v);
  return m;
}

struct Knobs {
  double stripe_count = 1;
  double stripe_size = 1 * kMiB;
  double rpc_pages = 256;
  double rpcs_in_flight = 8;
  double mdc_pages = 256;
  double mdc_in_flight = 8;
  double aggregators = 4;
  double cb_size = 16 * kMiB;
  double agg_per_node = 2;
};

enum class Slot {
  kNone,
  kStripeCount,
  kStripeSize,
  kRpcPages,
  kRpcsInFlight,
  kMdcPages,
  kMdcInFlight,
  kAggregators,
  kCbSize,
  kAggPerNode
};

Slot SlotOf(const std::string& name) {
  static const std::map<std::string, Slot> kSlots = {
      {"stripe_count", Slot::kStripeCount},         {"stripe_size", Slot::kStripeSize},
      {"osc_max_pages_per_rpc", Slot::kRpcPages},   {"osc_max_rpcs_in_flight", Slot::kRpcsInFlight},
      {"mdc_max_pages_per_rpc", Slot::kMdcPages},   {"mdc_max_rpcs_in_flight", Slot::kMdcInFlight},
      {"num_aggregators", Slot::kAggregators},      {"collective_buffer_size", Slot::kCbSize},
      {"aggregators_per_client", Slot::kAggPerNode}};
  const auto it = kSlots.find(name);
  return it == kSlots.end() ? Slot::kNone : it->second;
}

double NumericValue(const space::KnobValue& v) {
  switch (v.kind()) {
    case space::KnobValue::Kind::kInt:
      return static_cast<double>(v.as_int());
    case space::KnobValue::Kind::kFloat:
      return v.as_double();
    case space::KnobValue::Kind::kString:
      break;
  }
  return static_cast<double>(core::ParseSize(v.text()).value_or(0));
}

/// One kind of I/O call of a rank.
struct OpClass {
  double share = 0.0;  // of the rank's I/O calls
  double size = 0.0;   // bytes per call
  bool write = false;
  double seq = 0.0;     // sequential share (readahead / write-back coalescing)
  double consec = 0.0;  // consecutive share (each rank in its own region of a shared file)
};

struct Profile {
  double procs = 1, nodes = 1, ranks_per_node = 1;
  std::vector<OpClass> ops;
  double shared = 0.0;      // share of bytes on shared files
  double collective = 0.0;  // share of shared-file I/O done with collective buffering
  double unaligned = 0.0, mem_unaligned = 0.0, rw_switches = 0.0;
  double meta_per_io = 0.0;                               // metadata calls per I/O call
  double open = 0.0, stat = 0.0, seek = 0.0, sync = 0.0;  // shares of the metadata calls
  double written_files = 0.0;  // share of files written (objects created at open)
};

class LustreModel final : public BenchTestbed {
 public:
  LustreModel(const space::Space& space, const std::vector<std::string>& feature_names,
              uint64_t seed, double noise_std, uint64_t enum_threshold, int sampled)
      : space_(space),
        machine_(MachineFor(seed)),
        seed_(seed),
        noise_std_(noise_std),
        enum_threshold_(enum_threshold),
        sampled_(sampled) {
    for (size_t j = 0; j < feature_names.size(); ++j) feature_index_[feature_names[j]] = j;
    for (const auto& k : space.knobs()) {
      slots_.push_back(SlotOf(k.name));
      std::vector<double> values;
      for (const auto& v : k.values) values.push_back(NumericValue(v));
      values_.push_back(std::move(values));
    }
  }

  runner::TrialOutcome Run(const runner::TrialRequest& r) override {
    runner::TrialOutcome out;
    out.ok = true;
    out.value = Noisy(TruePerf(r.workload->features, r.config), seed_, space_, r, noise_std_);
    return out;
  }
  std::string name() const override { return "lustre_model"; }

  double TruePerf(const std::vector<double>& f, const space::Config& c) const override {
    return Perf(ProfileOf(f), KnobsOf(c));
  }
  Optimum FindOptimum(const std::vector<double>& f) const override {
    const Profile p = ProfileOf(f);
    return SearchOptimum(
        space_, [&](const space::Config& c) { return Perf(p, KnobsOf(c)); }, enum_threshold_,
        sampled_, 0x1057);
  }

 private:
  double Feature(const std::vector<double>& f, const std::string& name) const {
    const auto it = feature_index_.find(name);
    return it == feature_index_.end() ? 0.0 : std::clamp(f[it->second], 0.0, 1.0);
  }

  Profile ProfileOf(const std::vector<double>& f) const;
  Knobs KnobsOf(const space::Config& c) const;
  double IoTime(const Knobs& k, const OpClass& op, double size, double ranks, double nic_share,
                bool shared, double extent_sharers, double seq) const;
  double CollectiveTime(const Profile& p, const Knobs& k, const OpClass& op) const;
  double MetaTime(const Profile& p, const Knobs& k, double bytes_per_call) const;
  double Perf(const Profile& p, const Knobs& k) const;

  const space::Space& space_;
  Machine machine_;
  uint64_t seed_;
  double noise_std_;
  uint64_t enum_threshold_;
  int sampled_;
  std::map<std::string, size_t> feature_index_;
  std::vector<Slot> slots_;
  std::vector<std::vector<double>> values_;
};

Profile LustreModel::ProfileOf(const std::vector<double>& f) const {
  Profile p;
  const auto it = feature_index_.find("nprocs");
  p.procs = it == feature_index_.end() ? 1.0 : std::max(1.0, std::round(f[it->second]));
  p.nodes = std::ceil(p.procs / machine_.ppn);
  p.ranks_per_node = std::min(p.procs, machine_.ppn);
  const double reads = Feature(f, "pct_reads"), writes = Feature(f, "pct_writes");
  const double rw = reads + writes > 0.0 ? reads + writes : 1.0;
  const double sizes[3] = {32.0 * 1024.0, 1.0 * kMiB, 64.0 * kMiB};
  for (const bool write : {false, true}) {
    const std::string dir = write ? "write" : "read";
    const double bins[3] = {Feature(f, "pct_" + dir + "_0_100K"),
                            Feature(f, "pct_" + dir + "_100K_10M"),
                            Feature(f, "pct_" + dir + "_10M_1G_PLUS")};
    const double bin_sum = bins[0] + bins[1] + bins[2];
    const double class_share = (reads + writes > 0.0 ? (write ? writes : reads) : 0.5) / rw;
    for (int b = 0; b < 3; ++b) {
      // A class with calls but no size histogram counts as medium-sized.
      const double bin_share = bin_sum > 0.0 ? bins[b] / bin_sum : (b == 1 ? 1.0 : 0.0);
      OpClass op;
      op.share = class_share * bin_share;
      if (op.share <= 0.0) continue;
      op.size = sizes[b];
      op.write = write;
      op.seq = Feature(f, write ? "pct_seq_writes" : "pct_seq_reads");
      op.consec = Feature(f, write ? "pct_consec_writes" : "pct_consec_reads");
      p.ops.push_back(op);
    }
  }
  p.shared = Feature(f, "pct_bytes_shared_files");
  p.collective = p.procs >= 2.0 ? 0.8 : 0.0;
  p.unaligned = Feature(f, "pct_file_not_aligned");
  p.mem_unaligned = Feature(f, "pct_mem_not_aligned");
  p.rw_switches = Feature(f, "pct_rw_switches");
  const double io = std::max(0.02, Feature(f, "pct_io_access"));
  p.meta_per_io = (1.0 - io) / io;
  const double meta[4] = {Feature(f, "pct_meta_open_access"), Feature(f, "pct_meta_stat_access"),
                          Feature(f, "pct_meta_seek_access"), Feature(f, "pct_meta_sync_access")};
  const double meta_sum = meta[0] + meta[1] + meta[2] + meta[3];
  if (meta_sum > 0.0) {
    p.open = meta[0] / meta_sum, p.stat = meta[1] / meta_sum;
    p.seek = meta[2] / meta_sum, p.sync = meta[3] / meta_sum;
  } else {
    p.meta_per_io = 0.0;
  }
  p.written_files =
      std::clamp(Feature(f, "pct_write_only_files") + Feature(f, "pct_read_write_files"), 0.0, 1.0);
  return p;
}

Knobs LustreModel::KnobsOf(const space::Config& c) const {
  Knobs k;
  for (size_t i = 0; i < slots_.size(); ++i) {
    const double v = values_[i][c[i]];
    switch (slots_[i]) {
      case Slot::kStripeCount:
        k.stripe_count = std::max(1.0, v);
        break;
      case Slot::kStripeSize:
        k.stripe_size = std::max(kPage, v);
        break;
      case Slot::kRpcPages:
        k.rpc_pages = std::max(1.0, v);
        break;
      case Slot::kRpcsInFlight:
        k.rpcs_in_flight = std::max(1.0, v);
        break;
      case Slot::kMdcPages:
        k.mdc_pages = std::max(1.0, v);
        break;
      case Slot::kMdcInFlight:
        k.mdc_in_flight = std::max(1.0, v);
        break;
      case Slot::kAggregators:
        k.aggregators = std::max(1.0, v);
        break;
      case Slot::kCbSize:
        k.cb_size = std::max(kPage, v);
        break;
      case Slot::kAggPerNode:
        k.agg_per_node = std::max(1.0, v);
        break;
      case Slot::kNone:
        break;
    }
  }
  k.stripe_count = std::min(k.stripe_count, machine_.n_ost);
  return k;
}

/// Seconds for one call of `size` bytes by one of `ranks` ranks doing the same at once.
/// `extent_sharers`: ranks whose writes land in the same lock extent (1: none shared).
double LustreModel::IoTime(const Knobs& k, const OpClass& op, double size, double ranks,
                           double nic_share, bool shared, double extent_sharers, double seq) const {
  const Machine& m = machine_;
  const double rpc_max = std::min(k.rpc_pages * kPage, k.stripe_size);
  double window = k.rpcs_in_flight;
  if (op.write) window = std::min(window, std::max(1.0, m.max_dirty / (k.rpc_pages * kPage)));
  // A random call: its own RPCs, over the stripes it spans.
  const double n_rpc = std::ceil(size / rpc_max);
  const double n_stripes = std::min(k.stripe_count, std::ceil(size / k.stripe_size));
  const double parallel = std::min(n_rpc, n_stripes * window);
  const double random_latency = std::ceil(n_rpc / parallel) * m.rpc_latency;
  // Sequential calls are coalesced into full RPCs, `window` in flight per OST.
  const double stream_stripes =
      std::min(k.stripe_count, std::max(1.0, window * rpc_max / k.stripe_size));
  const double stream_latency = m.rpc_latency * size / (rpc_max * window * stream_stripes);
  const double latency = (1.0 - seq) * random_latency + seq * stream_latency;
  const double avg_rpc = (1.0 - seq) * std::min(size, rpc_max) + seq * rpc_max;
  const double in_flight = (1.0 - seq) * parallel + seq * window * stream_stripes;

  // The OSTs' share: bandwidth or RPC rate, congestion, objects per OST, lock conflicts.
  const double osts =
      shared ? std::min(k.stripe_count, m.n_ost) : std::min(m.n_ost, ranks * k.stripe_count);
  const double per_ost_rate = std::min(m.ost_bw, m.ost_iops * avg_rpc);
  const double per_ost_rpcs = ranks * in_flight / osts;
  const double per_ost_bytes = per_ost_rpcs * avg_rpc;
  double slowdown = 1.0 + 0.5 * std::max(0.0, per_ost_bytes / m.ost_buffer - 1.0) +
                    0.3 * std::max(0.0, std::log2(per_ost_rpcs / m.ost_threads));
  if (!shared) {
    const double objects_per_ost = ranks * k.stripe_count / m.n_ost;
    slowdown *= 1.0 + 0.04 * std::sqrt(std::max(0.0, objects_per_ost - 1.0));
  }
  if (shared && extent_sharers > 1.0) {
    slowdown *= 1.0 + m.lock_cost * std::pow(extent_sharers - 1.0, 0.8);
  }
  const double server_share = osts * per_ost_rate / slowdown / ranks;
  const double client_stripes = (1.0 - seq) * n_stripes + seq * stream_stripes;
  const double rank_bw = std::min({nic_share, server_share, client_stripes * m.ost_bw});
  return m.op_overhead + latency + size / rank_bw;
}

/// Seconds for one collective call in which every rank moves `op.size` bytes.
double LustreModel::CollectiveTime(const Profile& p, const Knobs& k, const OpClass& op) const {
  const Machine& m = machine_;
  const double total = p.procs * op.size;
  const double aggs = std::max(1.0, std::min({k.aggregators, p.nodes * k.agg_per_node, p.procs}));
  const double agg_nodes = std::min(p.nodes, std::ceil(aggs / k.agg_per_node));
  const double aggs_per_node = aggs / agg_nodes;
  const double domain = total / aggs;
  const double chunk = std::min(k.cb_size, domain);
  const double rounds = std::ceil(domain / chunk);
  // Exchange: the data crosses the network into the aggregators' nodes (a copy on one node).
  const double exchange_bw = p.nodes > 1.0 ? agg_nodes * m.nic_bw : m.memcpy_bw;
  const double exchange = total / exchange_bw + rounds * m.round_latency * std::log2(p.procs);
  // Aggregators write contiguous chunks; domains aligned to stripes when aggregators and
  // stripe count divide one another, else two aggregators share boundary extents.
  const double sc = k.stripe_count;
  const bool aligned = std::fmod(aggs, sc) == 0.0 || std::fmod(sc, aggs) == 0.0;
  double sharers = aligned ? 1.0 : 2.0;
  if (chunk < k.stripe_size) sharers += std::min(aggs, k.stripe_size / chunk) - 1.0;
  const double io = IoTime(k, op, chunk, aggs, m.nic_bw / aggs_per_node, true, sharers, 1.0);
  const double buffers = 2.0 * k.cb_size * aggs_per_node;  // double-buffered
  const double memory = 1.0 + 3.0 * std::max(0.0, buffers / m.node_memory - 1.0);
  return (exchange + rounds * io) * memory;
}

/// Seconds of metadata calls per I/O call of a rank.
double LustreModel::MetaTime(const Profile& p, const Knobs& k, double bytes_per_call) const {
  if (p.meta_per_io <= 0.0) return 0.0;
  const Machine& m = machine_;
  const double sc = k.stripe_count;
  // Synchronous calls of a node's ranks share its metadata RPC slots.
  const double slot_wait = std::max(1.0, p.ranks_per_node / k.mdc_in_flight);
  const double sync_load = p.nodes * std::min(k.mdc_in_flight, p.ranks_per_node);
  auto queue = [&](double load) { return 1.0 + std::max(0.0, load / m.mds_threads - 1.0); };
  const double open =
      m.mds_latency * slot_wait * queue(sync_load) + p.written_files * m.create_cost * sc;
  // Stats are pipelined by statahead (up to the RPC window) and glimpse every OST object.
  const double statahead = std::min(k.mdc_in_flight, 32.0);
  const double dir_pages = std::ceil(p.procs * 4.0 * 256.0 / kPage);
  const double readdir =
      std::ceil(dir_pages / k.mdc_pages) * (m.mds_latency + 2e-6 * k.mdc_pages) / p.procs;
  const double stat = m.mds_latency / statahead * queue(p.procs * statahead) +
                      m.rpc_latency * (1.0 + 0.15 * (sc - 1.0)) * p.written_files + readdir;
  const double seek = 2e-6;
  // A sync commits every stripe's object and drains the writes still in flight (at most the
  // RPC window per stripe, at most what was written since the previous sync), losing the
  // overlap of that drain with the next calls.
  const double window =
      std::min(k.rpcs_in_flight * std::min(k.rpc_pages * kPage, k.stripe_size), m.max_dirty) * sc;
  const double since_sync = bytes_per_call / std::max(1e-9, p.meta_per_io * p.sync);
  const double sync = m.rpc_latency * (1.0 + 0.3 * (sc - 1.0)) +
                      0.1 * std::min(window, since_sync) / (sc * m.ost_bw);
  return p.meta_per_io * (p.open * open + p.stat * stat + p.seek * seek + p.sync * sync);
}

double LustreModel::Perf(const Profile& p, const Knobs& k) const {
  const double nic_share = machine_.nic_bw / p.ranks_per_node;
  double time = 0.0, bytes = 0.0;
  for (const OpClass& op : p.ops) {
    // Ranks writing interleaved pieces of a shared file share a stripe's lock extent.
    const double interleaved = std::min(p.procs, std::max(1.0, k.stripe_size / op.size));
    const double lock_share = op.write ? 1.0 : p.rw_switches;
    const double sharers = 1.0 + lock_share * ((1.0 - op.consec) * (interleaved - 1.0) +
                                               p.unaligned * std::min(1.0, p.procs - 1.0));
    const double unique = IoTime(k, op, op.size, p.procs, nic_share, false, 1.0, op.seq);
    const double shared = IoTime(k, op, op.size, p.procs, nic_share, true, sharers, op.seq);
    const double coll = p.collective > 0.0 ? CollectiveTime(p, k, op) : 0.0;
    const double s = p.shared;
    const double t = (1.0 - s) * unique + s * ((1.0 - p.collective) * shared + p.collective * coll);
    time += op.share * (t + p.mem_unaligned * op.size / machine_.memcpy_bw);
    bytes += op.share * op.size;
  }
  time += MetaTime(p, k, bytes);
  return time > 0.0 ? p.procs * bytes / time / kMiB : 0.0;
}

}  // namespace

Optimum SearchOptimum(const space::Space& space,
                      const std::function<double(const space::Config&)>& perf,
                      uint64_t enum_threshold, int sampled, uint64_t salt) {
  Optimum best;
  if (space.Size() <= enum_threshold) {
    for (uint64_t r = 0; r < space.Size(); ++r) {
      space::Config c = space.Unrank(r);
      const double v = perf(c);
      if (v > best.perf) best = {std::move(c), v};
    }
    return best;
  }
  core::Rng rng(salt, "bench_optimum");
  std::vector<Optimum> starts;
  for (int i = 0; i < std::max(1, sampled); ++i) {
    space::Config c = space.Random(rng);
    const double v = perf(c);
    starts.push_back({std::move(c), v});
  }
  std::sort(starts.begin(), starts.end(),
            [](const Optimum& a, const Optimum& b) { return a.perf > b.perf; });
  starts.resize(std::min<size_t>(starts.size(), 4));
  const size_t n = space.num_knobs();
  auto try_set = [&](Optimum& cur, const space::Config& c) {
    const double v = perf(c);
    if (v > cur.perf * (1.0 + 1e-12)) {
      cur = {c, v};
      return true;
    }
    return false;
  };
  for (auto cur : starts) {
    bool improved = true;
    while (improved) {
      improved = false;
      for (size_t k = 0; k < n; ++k) {
        for (size_t l = 0; l < space.levels(k); ++l) {
          space::Config c = cur.config;
          c.set_level(core::KnobIndex(k), core::LevelIndex(l));
          improved |= try_set(cur, c);
        }
      }
      if (improved) continue;
      for (size_t i = 0; i < n && !improved; ++i) {
        for (size_t j = i + 1; j < n && !improved; ++j) {
          for (size_t li = 0; li < space.levels(i); ++li) {
            for (size_t lj = 0; lj < space.levels(j); ++lj) {
              space::Config c = cur.config;
              c.set_level(core::KnobIndex(i), core::LevelIndex(li));
              c.set_level(core::KnobIndex(j), core::LevelIndex(lj));
              improved |= try_set(cur, c);
            }
          }
        }
      }
    }
    if (cur.perf > best.perf) best = cur;
  }
  return best;
}

std::unique_ptr<BenchTestbed> MakeTestbed(const std::string& name, const space::Space& space,
                                          const space::WorkloadSet& training, uint64_t seed,
                                          double noise_std, uint64_t oracle_enum_threshold,
                                          int oracle_sampled) {
  if (name == "stub") {
    return std::make_unique<StubBench>(space, training, seed, noise_std, oracle_enum_threshold,
                                       oracle_sampled);
  }
  if (name == "lustre") {
    return std::make_unique<LustreModel>(space, training.feature_names, seed, noise_std,
                                         oracle_enum_threshold, oracle_sampled);
  }
  throw core::InputError("--testbed: expected stub or lustre, got '" + name + "'");
}

}  // namespace iorec::bench
