package dev.grace.demo.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a JVM leaves behind when it aborts, such as a stock HotSpot on SIGUSR2 (its
 * thread-suspension signal): an {@code hs_err_pid<pid>.log} file in its working
 * directory and a banner on its stdout. Checked by pid, because other tests on the same
 * machine may crash JVMs of their own in the same directory.
 */
public final class JvmCrash {

	/** The first line of HotSpot's fatal error banner on stdout. */
	public static final String BANNER = "A fatal error has been detected by the Java Runtime Environment";

	private JvmCrash() {
	}

	/**
	 * The working directory of a live process, where HotSpot writes its crash file.
	 * @param pid the process
	 * @return its working directory
	 */
	public static Path workingDirectory(long pid) {
		try {
			return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("No working directory for pid " + pid + " (exited?)", ex);
		}
	}

	/**
	 * The crash file HotSpot writes for a process.
	 * @param workingDirectory its working directory
	 * @param pid the process
	 * @return the path, which exists only if it crashed
	 */
	public static Path crashFile(Path workingDirectory, long pid) {
		return workingDirectory.resolve("hs_err_pid" + pid + ".log");
	}

}
