package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.grace.boot.internal.posix.CgroupMemory.Limit;
import dev.grace.boot.restart.RestartRefusedException;

/**
 * Whether the memory limit this process runs under leaves room for the second process a
 * restart runs beside it. Under a limit the kernel's OOM killer picks the biggest process
 * of the cgroup, the one that serves, so a restart without room is refused before
 * anything is started.
 * <p>
 * The new process runs the same jar with the same JVM options, so this process's
 * resident size ({@code VmRSS}) is what it will need: its heap grows to about the same
 * size for the same work. Not the peak ({@code VmHWM}): it holds every load spike of
 * this process's life, which would refuse restarts that fit. A factor (the property
 * {@value #PROPERTY}) scales the estimate up for an application whose start needs
 * more than it keeps, or down to relax the check; 0 turns it off.
 */
public final class MemoryHeadroom {

	/** The property that sets the factor. */
	public static final String PROPERTY = "grace.memory-headroom";

	private static final Log logger = LogFactory.getLog(MemoryHeadroom.class);

	private static final double MIB = 1024 * 1024;

	private final double factor;

	private final CgroupMemory cgroups;

	private final Path status;

	/**
	 * The check of this process.
	 * @param factor how much of this process's resident size a new process needs free
	 * under the limit; 0 for no check
	 */
	public MemoryHeadroom(double factor) {
		this(factor, Path.of("/"));
	}

	MemoryHeadroom(double factor, Path root) {
		this.factor = factor;
		this.cgroups = new CgroupMemory(root);
		this.status = root.resolve("proc/self/status");
	}

	/**
	 * Reads the limit and this process's size, now: a few small files, so it may run on
	 * the thread that asks for the restart, a signal thread too.
	 * @throws RestartRefusedException when the limit leaves too little; the message gives
	 * the figures
	 */
	void check() {
		if (this.factor == 0) {
			return;
		}
		Limit limit = this.cgroups.tightest();
		long resident = residentSize();
		if (limit == null || resident <= 0) {
			if (logger.isDebugEnabled()) {
				logger.debug("No memory limit to check before the restart"
						+ ((limit != null) ? " (no VmRSS in " + this.status + ")" : ""));
			}
			return;
		}
		long needed = (long) Math.ceil(resident * this.factor);
		long free = Math.max(0, limit.free());
		String figures = "the memory limit of " + mib(limit.limit()) + " (cgroup " + limit.cgroup() + ") leaves "
				+ mib(free) + ", a new process needs about " + mib(needed) + " (this process's resident size"
				+ ((this.factor != 1) ? " of " + mib(resident) : "") + " × " + PROPERTY + " " + this.factor + ")";
		if (free < needed) {
			throw new RestartRefusedException("not enough memory for a new process: " + figures);
		}
		logger.info("Memory for the new process: " + figures);
	}

	// "VmRSS:	  148736 kB"
	private long residentSize() {
		try {
			for (String line : Files.readAllLines(this.status)) {
				if (line.startsWith("VmRSS:")) {
					String[] fields = line.substring("VmRSS:".length()).trim().split("\\s+");
					return Long.parseLong(fields[0]) * 1024;
				}
			}
		}
		catch (IOException | NumberFormatException ex) {
			// below: nothing to estimate from
		}
		return -1;
	}

	static String mib(long bytes) {
		return Math.round(bytes / MIB) + " MiB";
	}

}
