package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The memory limits this process runs under, read from its cgroup the way the kernel
 * applies them: the memory controller's hierarchy is found through
 * {@code /proc/self/cgroup} and {@code /proc/self/mountinfo} (cgroup v1 when a v1
 * hierarchy has the memory controller, else the unified v2 one), and every level from
 * this process's cgroup up to the top of the mount counts, since a limit on a parent (a
 * Kubernetes pod, a systemd slice) binds its children too. Usage does not count the
 * inactive page cache ({@code inactive_file}), which the kernel reclaims before it kills
 * anything: it is the figure Kubernetes evicts on. Everything is read below a root
 * directory, {@code /} in production and sample files in tests.
 */
final class CgroupMemory {

	/** cgroup v1's "no limit": {@code PAGE_COUNTER_MAX} pages, page-aligned, near 2^63. */
	private static final long V1_UNLIMITED = Long.MAX_VALUE / 2;

	private final Path root;

	/**
	 * Reads the cgroups of the process that reads {@code root/proc/self}.
	 * @param root the file system root, {@code /} in production
	 */
	CgroupMemory(Path root) {
		this.root = root;
	}

	/**
	 * The limit that leaves this process's cgroup the least room, read now.
	 * @return that limit, null when no level of the hierarchy has one (or the files
	 * cannot be read: nothing to check then)
	 */
	@Nullable Limit tightest() {
		Hierarchy hierarchy = hierarchy();
		if (hierarchy == null) {
			return null;
		}
		Limit tightest = null;
		Path level = hierarchy.directory();
		while (level != null && level.startsWith(hierarchy.mount().point())) {
			Limit limit = hierarchy.limitAt(level);
			if (limit != null && (tightest == null || limit.free() < tightest.free())) {
				tightest = limit;
			}
			level = level.getParent();
		}
		return tightest;
	}

	private @Nullable Hierarchy hierarchy() {
		List<String> cgroups = lines("proc/self/cgroup");
		List<String> mounts = lines("proc/self/mountinfo");
		Hierarchy v1 = find(cgroups, mounts, 1);
		return (v1 != null) ? v1 : find(cgroups, mounts, 2);
	}

	// /proc/self/cgroup: "4:memory:/a/b" (v1), "0::/a/b" (v2)
	private @Nullable Hierarchy find(List<String> cgroups, List<String> mounts, int version) {
		for (String line : cgroups) {
			String[] fields = line.split(":", 3);
			if (fields.length != 3) {
				continue;
			}
			boolean matches = (version == 1) ? Arrays.asList(fields[1].split(",")).contains("memory")
					: fields[0].equals("0") && fields[1].isEmpty();
			if (matches) {
				Mount mount = mount(mounts, version);
				return (mount != null) ? new Hierarchy(version, mount, mount.directoryOf(fields[2])) : null;
			}
		}
		return null;
	}

	// mountinfo: "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory"
	private @Nullable Mount mount(List<String> mounts, int version) {
		for (String line : mounts) {
			int separator = line.indexOf(" - ");
			if (separator < 0) {
				continue;
			}
			String[] before = line.substring(0, separator).split(" ");
			String[] after = line.substring(separator + 3).split(" ");
			if (before.length < 5 || after.length < 3) {
				continue;
			}
			boolean matches = (version == 1)
					? after[0].equals("cgroup") && Arrays.asList(after[2].split(",")).contains("memory")
					: after[0].equals("cgroup2");
			if (matches) {
				return new Mount(unescape(before[3]), this.root.resolve(unescape(before[4]).substring(1)));
			}
		}
		return null;
	}

	// mountinfo writes space, tab, newline and backslash as \040, \011, \012, \134
	private static String unescape(String field) {
		StringBuilder out = new StringBuilder();
		for (int i = 0; i < field.length(); i++) {
			char c = field.charAt(i);
			if (c == '\\' && i + 3 < field.length() && isOctal(field.substring(i + 1, i + 4))) {
				out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
				i += 3;
			}
			else {
				out.append(c);
			}
		}
		return out.toString();
	}

	private static boolean isOctal(String digits) {
		return digits.chars().allMatch((d) -> d >= '0' && d <= '7');
	}

	private List<String> lines(String file) {
		try {
			return Files.readAllLines(this.root.resolve(file));
		}
		catch (IOException ex) {
			return List.of();
		}
	}

	/**
	 * A cgroup's memory limit and what is used of it.
	 *
	 * @param cgroup the cgroup, named as {@code /proc/self/cgroup} names cgroups
	 * @param version 1 or 2
	 * @param limit {@code memory.max} or {@code memory.limit_in_bytes}, in bytes
	 * @param usage {@code memory.current} or {@code memory.usage_in_bytes}, in bytes
	 * @param reclaimable the inactive page cache, which the kernel frees before it kills
	 */
	record Limit(String cgroup, int version, long limit, long usage, long reclaimable) {

		/**
		 * What is left under the limit.
		 * @return the limit less the usage that the kernel cannot reclaim, in bytes
		 */
		long free() {
			return this.limit - Math.max(0, this.usage - this.reclaimable);
		}

	}

	/**
	 * Where a cgroup hierarchy is mounted.
	 *
	 * @param root the cgroup the mount shows at its top: "/" on a host and in a cgroup
	 * namespace, the container's own cgroup in a container without one
	 * @param point the directory it is mounted on
	 */
	private record Mount(String root, Path point) {

		// A cgroup outside what the mount shows (cannot happen but in odd containers)
		// is taken for its top.
		Path directoryOf(String cgroup) {
			String relative = this.root.equals("/") ? cgroup
					: cgroup.startsWith(this.root + "/") ? cgroup.substring(this.root.length()) : "/";
			Path directory = this.point;
			for (String part : relative.split("/")) {
				if (!part.isEmpty()) {
					directory = directory.resolve(part);
				}
			}
			return directory;
		}

		String nameOf(Path directory) {
			String below = this.point.relativize(directory).toString();
			return this.root.equals("/") ? "/" + below : below.isEmpty() ? this.root : this.root + "/" + below;
		}

	}

	private record Hierarchy(int version, Mount mount, Path directory) {

		@Nullable Limit limitAt(Path level) {
			try {
				String limitFile = (this.version == 1) ? "memory.limit_in_bytes" : "memory.max";
				String limitText = Files.readString(level.resolve(limitFile)).trim();
				if (limitText.equals("max")) {
					return null;
				}
				long limit = Long.parseLong(limitText);
				if (this.version == 1 && limit >= V1_UNLIMITED) {
					return null;
				}
				long usage = Long.parseLong(Files
					.readString(level.resolve((this.version == 1) ? "memory.usage_in_bytes" : "memory.current"))
					.trim());
				long reclaimable = stat(level.resolve("memory.stat"),
						(this.version == 1) ? "total_inactive_file" : "inactive_file");
				return new Limit(this.mount.nameOf(level), this.version, limit, usage, reclaimable);
			}
			catch (IOException | NumberFormatException ex) {
				// v2's root cgroup has no memory.max, nor a cgroup without the controller
				return null;
			}
		}

		private static long stat(Path file, String key) throws IOException {
			for (String line : Files.readAllLines(file)) {
				String[] fields = line.split(" ");
				if (fields.length == 2 && fields[0].equals(key)) {
					return Long.parseLong(fields[1]);
				}
			}
			return 0;
		}

	}

}
