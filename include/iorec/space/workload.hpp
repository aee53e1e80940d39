#pragma once
/// Workloads: an id and a numeric feature vector (fractions in [0,1] plus nprocs),
/// with the feature names shared by every workload of a study.
#include <map>
#include <string>
#include <vector>

namespace iorec::space {

struct Workload {
  std::string id;                ///< e.g. file stem "top1_101" or "synthetic_03"
  std::vector<double> features;  ///< in WorkloadSet::feature_names order
  std::string source_file;       ///< JSON path it was read from; empty for synthetic
  std::map<std::string, std::string> attributes;  ///< non-numeric fields (io_api, ...)
};

struct WorkloadSet {
  std::vector<std::string> feature_names;
  std::vector<Workload> workloads;
  size_t size() const { return workloads.size(); }
};

}  // namespace iorec::space
