package dev.grace.boot.internal.posix;

import java.nio.file.Path;
import java.util.List;

import jnr.constants.platform.Errno;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.IntByReference;
import org.jspecify.annotations.Nullable;

/**
 * libc's {@code posix_spawnp} and its file actions, bound with jnr-ffi. jnr-posix's own
 * {@code posix_spawnp} cannot give the child a working directory: that is
 * {@code posix_spawn_file_actions_addchdir_np} (glibc 2.29, musl 1.1.24), bound on its
 * own so that an older C library still spawns, without it.
 */
final class NativeSpawn {

	// sizeof(posix_spawn_file_actions_t) is 80 on 64-bit glibc and musl; room to spare
	private static final int FILE_ACTIONS_SIZE = 128;

	private static final String C_LIBRARY = Platform.getNativePlatform().getStandardCLibraryName();

	private static volatile @Nullable NativeSpawn instance;

	private final Calls calls;

	private final @Nullable Chdir chdir;

	NativeSpawn(Calls calls, @Nullable Chdir chdir) {
		this.calls = calls;
		this.chdir = chdir;
	}

	/**
	 * The C library's calls, loaded once.
	 * @return the calls
	 */
	static NativeSpawn get() {
		NativeSpawn result = instance;
		if (result == null) {
			synchronized (NativeSpawn.class) {
				result = instance;
				if (result == null) {
					result = new NativeSpawn(LibraryLoader.create(Calls.class).load(C_LIBRARY), loadChdir());
					// jnr-ffi makes the thread that frees its native memory at the first
					// allocation, with the allocating thread's CPU priority: made here, it has
					// the priority of whoever loads the calls, not of a lowered spawning thread
					Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(result.calls), FILE_ACTIONS_SIZE);
					instance = result;
				}
			}
		}
		return result;
	}

	private static @Nullable Chdir loadChdir() {
		try {
			return LibraryLoader.create(Chdir.class).failImmediately().load(C_LIBRARY);
		}
		catch (UnsatisfiedLinkError ex) {
			return null;
		}
	}

	/**
	 * Whether a child can be given a working directory.
	 * @return true when the C library has {@code posix_spawn_file_actions_addchdir_np}
	 */
	boolean canChangeDirectory() {
		return this.chdir != null;
	}

	/**
	 * Starts a program found on the {@code PATH} like {@code execvp}, after the file
	 * actions, in order: each {@code dup2}, each {@code close}, then the change of
	 * directory. Nothing else of this process's state is changed.
	 * @param file the program
	 * @param dups pairs of descriptors: {@code dup2(dups[i][0], dups[i][1])}
	 * @param closes descriptors to close
	 * @param directory the working directory, null to keep this process's
	 * @param argv the arguments
	 * @param envp the environment, as {@code NAME=value}
	 * @return the child's pid
	 * @throws IllegalStateException with the C library's error when it could not start
	 */
	long spawnp(String file, List<int[]> dups, List<Integer> closes, @Nullable Path directory, List<String> argv,
			List<String> envp) {
		Pointer actions = Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(this.calls), FILE_ACTIONS_SIZE);
		check("posix_spawn_file_actions_init", this.calls.posix_spawn_file_actions_init(actions));
		try {
			for (int[] dup : dups) {
				check("posix_spawn_file_actions_adddup2",
						this.calls.posix_spawn_file_actions_adddup2(actions, dup[0], dup[1]));
			}
			for (int fd : closes) {
				check("posix_spawn_file_actions_addclose", this.calls.posix_spawn_file_actions_addclose(actions, fd));
			}
			if (directory != null) {
				if (this.chdir == null) {
					throw new IllegalStateException("This C library has no posix_spawn_file_actions_addchdir_np "
							+ "(glibc 2.29 and musl 1.1.24 have it): cannot start a process in " + directory);
				}
				check("posix_spawn_file_actions_addchdir_np",
						this.chdir.posix_spawn_file_actions_addchdir_np(actions, directory.toString()));
			}
			IntByReference pid = new IntByReference();
			int error = this.calls.posix_spawnp(pid, file, actions, null, argv.toArray(new CharSequence[0]),
					envp.toArray(new CharSequence[0]));
			if (error != 0) {
				throw new IllegalStateException("posix_spawnp could not start " + file
						+ ((directory != null) ? " in " + directory : "") + ": " + describe(error));
			}
			return pid.intValue();
		}
		finally {
			this.calls.posix_spawn_file_actions_destroy(actions);
		}
	}

	private static void check(String call, int error) {
		if (error != 0) {
			throw new IllegalStateException(call + " failed: " + describe(error));
		}
	}

	// posix_spawn and its file actions return the error number; they leave errno alone
	private static String describe(int error) {
		Errno errno = Errno.valueOf(error);
		return (errno.defined()) ? errno.name() + " (" + errno.description() + ")" : "error " + error;
	}

	/** The calls every C library has, as it declares them. */
	public interface Calls {

		int posix_spawn_file_actions_init(Pointer actions);

		int posix_spawn_file_actions_destroy(Pointer actions);

		int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

		int posix_spawn_file_actions_addclose(Pointer actions, int fd);

		int posix_spawnp(@Out IntByReference pid, @In CharSequence file, Pointer actions,
				@Nullable Pointer attributes, @In CharSequence[] argv, @In CharSequence[] envp);

	}

	/** The call glibc 2.29 and musl 1.1.24 added. */
	public interface Chdir {

		int posix_spawn_file_actions_addchdir_np(Pointer actions, @In CharSequence path);

	}

}
