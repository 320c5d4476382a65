package dev.grace.boot.autoconfigure;

import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * What a JDBC URL tells of an embedded database that two processes cannot share: a
 * restart runs two JVMs side by side for a while, and an embedded database lives in one
 * of them, in its memory or in a file it locks. Reads the URL only: no driver is loaded,
 * no connection opened.
 *
 * @param product H2, HSQLDB, Derby or SQLite
 * @param kind how it lives
 * @param location the URL without its settings (which may hold credentials)
 */
record EmbeddedDatabase(String product, Kind kind, String location) {

	/**
	 * Classifies a JDBC URL.
	 * @param url the URL
	 * @return the embedded database it names, null for a database server, a read-only
	 * database or a URL of another kind
	 */
	static @Nullable EmbeddedDatabase of(String url) {
		String lower = url.trim().toLowerCase(Locale.ROOT);
		int settings = url.indexOf(';');
		String location = (settings >= 0) ? url.substring(0, settings).trim() : url.trim();
		if (lower.startsWith("jdbc:h2:")) {
			return h2(lower.substring("jdbc:h2:".length()), location);
		}
		if (lower.startsWith("jdbc:hsqldb:")) {
			return hsqldb(lower.substring("jdbc:hsqldb:".length()), location);
		}
		if (lower.startsWith("jdbc:derby:")) {
			return derby(lower.substring("jdbc:derby:".length()), location);
		}
		if (lower.startsWith("jdbc:sqlite:")) {
			// SQLite locks per transaction: two processes can share its file
			String path = lower.substring("jdbc:sqlite:".length());
			return (path.isEmpty() || path.startsWith(":memory:") || path.contains("mode=memory"))
					? new EmbeddedDatabase("SQLite", Kind.IN_MEMORY, location) : null;
		}
		return null;
	}

	// jdbc:h2:[mem:|tcp:|ssl:|zip:|file:|nio:|split:|...]name[;SETTING=value...]
	private static @Nullable EmbeddedDatabase h2(String rest, String location) {
		if (rest.startsWith("tcp:") || rest.startsWith("ssl:") || rest.startsWith("zip:")
				|| rest.startsWith("classpath:")) {
			return null;
		}
		if (rest.startsWith("mem:") || rest.startsWith("memfs:") || rest.startsWith("memlzf:")) {
			return new EmbeddedDatabase("H2", Kind.IN_MEMORY, location);
		}
		if (hasSetting(rest, "auto_server", "true")) {
			return new EmbeddedDatabase("H2", Kind.SERVED_BY_FIRST_PROCESS, location + ";AUTO_SERVER=TRUE");
		}
		if (hasSetting(rest, "file_lock", "no")) {
			return new EmbeddedDatabase("H2", Kind.UNLOCKED_FILE, location + ";FILE_LOCK=NO");
		}
		return new EmbeddedDatabase("H2", Kind.EXCLUSIVE_FILE, location);
	}

	// jdbc:hsqldb:[mem:|file:|res:|hsql://|hsqls://|http://|https://]name[;setting=value...]
	private static @Nullable EmbeddedDatabase hsqldb(String rest, String location) {
		if (rest.startsWith("hsql:") || rest.startsWith("hsqls:") || rest.startsWith("http:")
				|| rest.startsWith("https:") || rest.startsWith("res:")) {
			return null;
		}
		if (rest.startsWith("mem:")) {
			return new EmbeddedDatabase("HSQLDB", Kind.IN_MEMORY, location);
		}
		if (hasSetting(rest, "hsqldb.lock_file", "false")) {
			return new EmbeddedDatabase("HSQLDB", Kind.UNLOCKED_FILE, location + ";hsqldb.lock_file=false");
		}
		return new EmbeddedDatabase("HSQLDB", Kind.EXCLUSIVE_FILE, location);
	}

	// jdbc:derby:[//host:port/|memory:|directory:|classpath:|jar:]name[;attribute=value...]
	private static @Nullable EmbeddedDatabase derby(String rest, String location) {
		if (rest.startsWith("//") || rest.startsWith("classpath:") || rest.startsWith("jar:")) {
			return null;
		}
		if (rest.startsWith("memory:")) {
			return new EmbeddedDatabase("Derby", Kind.IN_MEMORY, location);
		}
		return new EmbeddedDatabase("Derby", Kind.EXCLUSIVE_FILE, location);
	}

	private static boolean hasSetting(String lowerUrl, String name, String value) {
		String[] parts = lowerUrl.split(";");
		for (int i = 1; i < parts.length; i++) {
			String[] pair = parts[i].split("=", 2);
			if (pair.length == 2 && pair[0].trim().equals(name) && pair[1].trim().equals(value)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether a restart can fail, lose requests or corrupt data because of it: a warning,
	 * rather than a note that the data does not survive.
	 * @return true unless it is in memory
	 */
	boolean isHazard() {
		return this.kind != Kind.IN_MEMORY;
	}

	/**
	 * What a restart does to it and what to use instead, in one line.
	 * @return the line
	 */
	String message() {
		return switch (this.kind) {
			case IN_MEMORY -> "The DataSource is an in-memory " + this.product + " database (" + this.location
					+ "): its data lives in this JVM and does not survive a restart; each new process starts with "
					+ "what its own startup creates. Use a database server to keep data across restarts.";
			case EXCLUSIVE_FILE -> "The DataSource is an embedded " + this.product + " database in a file that one "
					+ "process at a time can open (" + this.location + "): a restart will fail, because the new "
					+ "process cannot open it while this one runs. " + instead();
			case UNLOCKED_FILE -> "The DataSource is an embedded " + this.product + " database in a file opened "
					+ "without its lock (" + this.location + "): during a restart both processes write it at once, "
					+ "which corrupts it. " + instead();
			case SERVED_BY_FIRST_PROCESS -> "The DataSource is an embedded H2 database in a file (" + this.location
					+ "): during a restart the new process reaches it through this one, and its connections break "
					+ "when this one exits, failing the requests that use them. " + instead();
		};
	}

	/**
	 * Why a new process that exited before it was ready probably did.
	 * @return the reason, null unless the database can be opened by one process only
	 */
	@Nullable String exitHint() {
		return (this.kind != Kind.EXCLUSIVE_FILE) ? null
				: "This process holds the embedded " + this.product + " database " + this.location
						+ " open, which one process at a time can: the new process probably could not open it. "
						+ instead();
	}

	private String instead() {
		String server = switch (this.product) {
			case "H2" -> "H2's TCP server, jdbc:h2:tcp://...";
			case "HSQLDB" -> "the HSQLDB server, jdbc:hsqldb:hsql://...";
			default -> "Derby's network server, jdbc:derby://...";
		};
		return "Use a database server (such as " + server + ") that both processes can connect to during the "
				+ "restart.";
	}

	/** How an embedded database lives. */
	enum Kind {

		/** In this JVM's memory: gone with the process. */
		IN_MEMORY,
		/** In a file that the first process to open it locks. */
		EXCLUSIVE_FILE,
		/** In a file opened without a lock: two processes writing it corrupt it. */
		UNLOCKED_FILE,
		/** H2's AUTO_SERVER: a file the first process serves to the others over TCP. */
		SERVED_BY_FIRST_PROCESS

	}

}
