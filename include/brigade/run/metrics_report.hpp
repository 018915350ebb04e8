#pragma once

// A run's outcome in Prometheus' text exposition format, for node_exporter's textfile
// collector: the last run's times, exit code and nodes per status, and for every node the last
// time it converged, kept across runs so that a node that has not converged for days shows.

#include <brigade/run/run_report.hpp>

#include <string>

namespace brigade {

/// The metrics after `report`, with the per-node last successes of `previous` (the file as the
/// run before wrote it; lines that are not Brigade's own, or do not parse, are dropped) kept
/// for the nodes that did not converge in this run.
std::string prometheus_metrics(const RunReport& report, const std::string& previous);

}  // namespace brigade
