package dev.grace.demo.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.grace.demo.bench.Benchmark.Restart;
import dev.grace.demo.bench.Benchmark.Run;
import dev.grace.demo.bench.Benchmark.Throughput;

/**
 * The figures of one benchmark run, as a Markdown table and as JSON.
 */
record Report(Instant when, int restarts, Run grace, Run baseline, Throughput throughput) {

	Map<String, Object> figures(Run run) {
		Map<String, Object> f = new LinkedHashMap<>();
		f.put("run", run.name());
		f.put("restarts", run.restarts().size());
		f.put("requests", run.samples().size());
		f.put("failed", run.failed());
		Map<String, Object> byKind = new LinkedHashMap<>();
		run.failures().forEach((kind, n) -> byKind.put(kind.name().toLowerCase(Locale.ROOT), n));
		f.put("failuresByKind", byKind);
		f.put("downtimeMs", run.downtimeNanos() / 1e6);
		List<Double> toServing = new ArrayList<>();
		List<Double> readyToGone = new ArrayList<>();
		List<Double> coldStart = new ArrayList<>();
		for (int i = 0; i < run.restarts().size(); i++) {
			Restart restart = run.restarts().get(i);
			long serving = run.newServingNanos().get(i);
			toServing.add((serving - restart.signalNanos()) / 1e6);
			readyToGone.add((restart.oldGoneNanos() - serving) / 1e6);
			if (restart.coldStartNanos() >= 0) {
				coldStart.add(restart.coldStartNanos() / 1e6);
			}
		}
		f.put("signalToNewServingMs", summary(toServing));
		f.put("newServingToOldGoneMs", summary(readyToGone));
		if (!coldStart.isEmpty()) {
			f.put("coldStartMs", summary(coldStart));
		}
		f.put("oldExitCodes", run.restarts().stream().map(Restart::oldExitCode).distinct().toList());
		f.put("latency", run.latencies());
		return f;
	}

	private static Map<String, Object> summary(List<Double> values) {
		List<Double> sorted = values.stream().sorted().toList();
		Map<String, Object> s = new LinkedHashMap<>();
		s.put("median", sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() / 2));
		s.put("max", sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() - 1));
		return s;
	}

	String markdown() {
		Map<String, Object> g = figures(this.grace);
		Map<String, Object> b = figures(this.baseline);
		StringBuilder md = new StringBuilder();
		md.append("## Benchmark results\n\n");
		md.append("Run ").append(this.when).append(", ").append(this.restarts)
			.append(" restarts per run, mixed load (2 clients each: new-connection GET, keep-alive GET, ")
			.append("1.5 s GET, 32 KB POST echo; plus a management health check), 2 cores.\n\n");
		md.append("| figure | grace handover | TERM + start (grace off) |\n|---|---|---|\n");
		row(md, "requests", g.get("requests"), b.get("requests"));
		row(md, "failed requests", g.get("failed"), b.get("failed"));
		row(md, "failures by kind", g.get("failuresByKind"), b.get("failuresByKind"));
		row(md, "downtime (failing window, total ms)", ms(g.get("downtimeMs")), ms(b.get("downtimeMs")));
		row(md, "signal → new process serving (median / max ms)", pair(g.get("signalToNewServingMs")),
				pair(b.get("signalToNewServingMs")));
		row(md, "new process serving → old process gone (median / max ms)", pair(g.get("newServingToOldGoneMs")),
				"n/a (old exits first)");
		row(md, "cold start of the same app (median / max ms)", "n/a", pair(b.get("coldStartMs")));
		Map<?, ?> gl = (Map<?, ?>) g.get("latency");
		Map<?, ?> bl = (Map<?, ?>) b.get("latency");
		row(md, "GET p50 steady / during restart (ms)", ms(gl.get("steadyP50Ms")) + " / " + ms(gl.get("handoverP50Ms")),
				ms(bl.get("steadyP50Ms")) + " / " + ms(bl.get("handoverP50Ms")));
		row(md, "GET p99 steady / during restart (ms)", ms(gl.get("steadyP99Ms")) + " / " + ms(gl.get("handoverP99Ms")),
				ms(bl.get("steadyP99Ms")) + " / " + ms(bl.get("handoverP99Ms")));
		row(md, "old process exit codes", g.get("oldExitCodes"), b.get("oldExitCodes"));
		md.append('\n');
		md.append(String.format(Locale.ROOT,
				"Throughput (wrk -t2 -c32, GET /, same run): starter on %s req/s, off %s req/s, ratio on/off **%.3f**.%n%n",
				rounds(this.throughput.on()), rounds(this.throughput.off()), this.throughput.ratio()));
		md.append("Targets: ");
		double p99Ratio = ((Number) gl.get("handoverP99Ms")).doubleValue() / ((Number) gl.get("steadyP99Ms")).doubleValue();
		double readyToGoneMax = ((Number) ((Map<?, ?>) g.get("newServingToOldGoneMs")).get("max")).doubleValue();
		md.append(String.format(Locale.ROOT,
				"0 failed in run 1: %s (%s); throughput ratio ≥ 0.98: %s (%.3f); new serving → old gone ≤ 2500 ms "
						+ "(longest in-flight 1500 ms + 1 s): %s (max %.0f ms); p99 during handover ≤ 3× steady: %s (%.1f×).%n",
				verdict(this.grace.failed() == 0), this.grace.failed(), verdict(this.throughput.ratio() >= 0.98),
				this.throughput.ratio(), verdict(readyToGoneMax <= 2500), readyToGoneMax, verdict(p99Ratio <= 3),
				p99Ratio));
		return md.toString();
	}

	String json() {
		Map<String, Object> root = new LinkedHashMap<>();
		root.put("when", this.when.toString());
		root.put("grace", figures(this.grace));
		root.put("baseline", figures(this.baseline));
		Map<String, Object> t = new LinkedHashMap<>();
		t.put("onRequestsPerSecond", List.of(this.throughput.on()[0], this.throughput.on()[1]));
		t.put("offRequestsPerSecond", List.of(this.throughput.off()[0], this.throughput.off()[1]));
		t.put("ratio", this.throughput.ratio());
		root.put("throughput", t);
		return BenchJson.write(root) + "\n";
	}



	private static void row(StringBuilder md, String name, Object a, Object b) {
		md.append("| ").append(name).append(" | ").append(a).append(" | ").append(b).append(" |\n");
	}

	private static String ms(Object value) {
		return String.format(Locale.ROOT, "%.1f", ((Number) value).doubleValue());
	}

	private static String pair(Object summary) {
		Map<?, ?> s = (Map<?, ?>) summary;
		return String.format(Locale.ROOT, "%.0f / %.0f", ((Number) s.get("median")).doubleValue(),
				((Number) s.get("max")).doubleValue());
	}

	private static String rounds(double[] values) {
		return String.format(Locale.ROOT, "%.0f + %.0f", values[0], values[1]);
	}

	private static String verdict(boolean met) {
		return met ? "met" : "**not met**";
	}

}
