package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The directory every restarted process starts in, by the path this process was started
 * in, not by the directory that path named then: the kernel gives a child its parent's
 * directory, so after {@code current} is re-pointed from {@code releases/42} to
 * {@code releases/43} the child would still run in 42. The path is resolved again (by
 * the {@code chdir} in the child) at each restart, and given to the child as {@code PWD}
 * so that its own restarts know it too.
 *
 * @param path the logical working directory, absolute
 */
public record WorkingDirectory(Path path) {

	private static final Log logger = LogFactory.getLog(WorkingDirectory.class);

	/** What a shell sets to the path it changed directory to. */
	public static final String PWD = "PWD";

	/** This process's real working directory. */
	static final Path CURRENT = Path.of("/proc/self/cwd");

	/**
	 * The logical working directory of a process that starts: {@code configured} when
	 * set (systemd's {@code WorkingDirectory=} sets no {@code PWD}), else the shell's
	 * {@code PWD} when it names the directory this process runs in, else that directory.
	 * @param configured {@code grace.working-directory}, absolute, or null
	 * @param env this process's environment
	 * @return the working directory
	 */
	public static WorkingDirectory atStartup(@Nullable Path configured, Map<String, String> env) {
		return of(configured, env.get(PWD), realPath(CURRENT));
	}

	static WorkingDirectory of(@Nullable Path configured, @Nullable String pwd, Path real) {
		if (configured != null) {
			if (!isSameDirectory(configured, real)) {
				logger.warn("grace.working-directory=" + configured + " is not the directory this process runs in ("
						+ real + "); restarted processes start in " + configured);
			}
			return new WorkingDirectory(configured);
		}
		// a PWD that names another directory was left by whoever started this process without
		// a shell (the JDK's process API hands on its own environment)
		if (pwd != null && pwd.startsWith("/") && isSameDirectory(Path.of(pwd), real)) {
			return new WorkingDirectory(Path.of(pwd));
		}
		return new WorkingDirectory(real);
	}

	private static boolean isSameDirectory(Path a, Path b) {
		try {
			return Files.isSameFile(a, b);
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static Path realPath(Path path) {
		try {
			return path.toRealPath();
		}
		catch (IOException ex) {
			return Path.of("").toAbsolutePath();
		}
	}

}
