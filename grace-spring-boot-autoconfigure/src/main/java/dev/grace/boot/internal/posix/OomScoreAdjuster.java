package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.grace.boot.internal.NamedSocket;
import dev.grace.boot.internal.ParentChannel;
import dev.grace.boot.internal.ServiceManager;

/**
 * Makes the process whose loss does the least harm the OOM killer's first choice while
 * two processes run: the new one while it starts (a restart that fails is safe, a
 * serving process killed is not), and the old one once the new one serves, since then
 * the listening sockets live in the new one alone. Follows the restart as a
 * {@link ServiceManager}; never fails one.
 * <p>
 * What the kernel allows ({@code __set_oom_adj} in {@code fs/proc/base.c}): a process
 * may raise the {@code oom_score_adj} of any process of its user, and lower one no
 * further than that process's {@code oom_score_adj_min}, inherited like the value
 * itself, unless it has {@code CAP_SYS_RESOURCE}. So the parent raises its child's right
 * after spawning it (the child could only do it once its own code runs, seconds into its
 * start), and the child, once it serves, puts its own back to its parent's value, which
 * it inherited and may always return to.
 */
public final class OomScoreAdjuster implements ServiceManager {

	/** The highest value: killed first. */
	static final int PREFERRED_VICTIM = 1000;

	private static final Log logger = LogFactory.getLog(OomScoreAdjuster.class);

	private final Path proc;

	/**
	 * Adjusts this process and its children through {@code /proc}.
	 */
	public OomScoreAdjuster() {
		this(Path.of("/proc"));
	}

	OomScoreAdjuster(Path proc) {
		this.proc = proc;
	}

	@Override
	public void childStarted(long pid) {
		raise(String.valueOf(pid), "New process pid " + pid + " starts",
				"if memory runs out during the restart, the kernel kills it, not this serving process");
	}

	@Override
	public void replacedBy(long pid, int generation, List<NamedSocket> listeners) {
		raise("self", "This process drains",
				"if memory runs out now, the kernel kills it, not the new process pid " + pid + " that serves");
	}

	@Override
	public void serving(int generation, List<NamedSocket> listeners, ParentChannel parent) {
		if (parent.pid() <= 0) {
			return;
		}
		try {
			int own = read("self");
			if (parentPid() != parent.pid()) {
				if (own == PREFERRED_VICTIM) {
					logger.warn("This process serves with oom_score_adj " + own + ": parent pid " + parent.pid()
							+ ", whose value it would take back, is gone");
				}
				return;
			}
			int inherited = read(String.valueOf(parent.pid()));
			if (own == inherited) {
				return;
			}
			try {
				write("self", inherited);
				logger.info("oom_score_adj back from " + own + " to " + inherited + ", the value of parent pid "
						+ parent.pid() + ": this process serves now");
			}
			catch (IOException ex) {
				logger.warn("Could not put oom_score_adj back from " + own + " to " + inherited + " (" + ex.getMessage()
						+ "; below its oom_score_adj_min only CAP_SYS_RESOURCE may lower it): "
						+ "if memory runs out, the kernel prefers to kill this serving process");
			}
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Could not read oom_score_adj (" + ex + "); it stays as it is");
		}
	}

	private void raise(String pid, String who, String why) {
		try {
			int before = read(pid);
			if (before >= PREFERRED_VICTIM) {
				return;
			}
			write(pid, PREFERRED_VICTIM);
			logger.info(who + " with oom_score_adj " + PREFERRED_VICTIM + " (was " + before + "): " + why);
		}
		catch (IOException | RuntimeException ex) {
			logger.warn(who + " with oom_score_adj unchanged, could not raise it (" + ex + ")");
		}
	}

	private int read(String pid) throws IOException {
		return Integer.parseInt(Files.readString(file(pid)).trim());
	}

	private void write(String pid, int value) throws IOException {
		Files.writeString(file(pid), String.valueOf(value));
	}

	private Path file(String pid) {
		return this.proc.resolve(pid).resolve("oom_score_adj");
	}

	// "4242 (java) S 4100 …": the parent pid follows the state, after the last ')'
	private long parentPid() throws IOException {
		String stat = Files.readString(this.proc.resolve("self").resolve("stat"));
		String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
		return Long.parseLong(fields[1]);
	}

	@Override
	public String toString() {
		return "oom_score_adj";
	}

}
