package dev.grace.boot.internal.posix;

import jnr.constants.platform.Fcntl;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.jspecify.annotations.Nullable;

/**
 * The native POSIX calls the handover needs (spawn, pipe, read, write, kill, waitpid),
 * loaded once.
 */
public final class NativePosix {

	private static final int FD_CLOEXEC = 1;

	private static volatile POSIX posix;

	private NativePosix() {
	}

	/**
	 * The native implementation.
	 * @return the POSIX calls
	 * @throws IllegalStateException when native calls are not available
	 */
	public static POSIX get() {
		POSIX result = posix;
		if (result == null) {
			synchronized (NativePosix.class) {
				result = posix;
				if (result == null) {
					result = POSIXFactory.getNativePOSIX();
					if (!result.isNative()) {
						throw new IllegalStateException("Native POSIX calls are not available on this platform");
					}
					posix = result;
				}
			}
		}
		return result;
	}

	/**
	 * Marks a descriptor close-on-exec, so that no process started later inherits it.
	 * @param fd the descriptor
	 */
	public static void closeOnExec(int fd) {
		get().fcntlInt(fd, Fcntl.F_SETFD, FD_CLOEXEC);
	}

	/**
	 * The reason the handover cannot work on this platform, or null when it can.
	 * @return the reason or null
	 */
	public static @Nullable String unsupportedReason() {
		String os = System.getProperty("os.name", "");
		if (!os.toLowerCase(java.util.Locale.ROOT).contains("linux")) {
			return "graceful restart needs Linux (this is " + os + ")";
		}
		if (!java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self/fd"))) {
			return "graceful restart needs /proc to be mounted";
		}
		try {
			get();
			return null;
		}
		catch (RuntimeException | LinkageError ex) {
			return "graceful restart needs native POSIX calls: " + ex.getMessage();
		}
	}

}
