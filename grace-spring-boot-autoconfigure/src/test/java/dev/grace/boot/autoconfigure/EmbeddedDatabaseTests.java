package dev.grace.boot.autoconfigure;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.grace.boot.autoconfigure.EmbeddedDatabase.Kind;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedDatabaseTests {

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			jdbc:h2:mem:testdb                                           | H2     | IN_MEMORY               | jdbc:h2:mem:testdb
			jdbc:h2:mem:3f1c;DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=false    | H2     | IN_MEMORY               | jdbc:h2:mem:3f1c
			jdbc:h2:memFS:test                                           | H2     | IN_MEMORY               | jdbc:h2:memFS:test
			jdbc:h2:file:/srv/app/data/petclinic                         | H2     | EXCLUSIVE_FILE          | jdbc:h2:file:/srv/app/data/petclinic
			jdbc:h2:./data/db;MODE=PostgreSQL;PASSWORD=secret            | H2     | EXCLUSIVE_FILE          | jdbc:h2:./data/db
			jdbc:h2:~/test                                               | H2     | EXCLUSIVE_FILE          | jdbc:h2:~/test
			JDBC:H2:NIO:/srv/db                                          | H2     | EXCLUSIVE_FILE          | JDBC:H2:NIO:/srv/db
			jdbc:h2:file:/srv/db;AUTO_SERVER=TRUE                        | H2     | SERVED_BY_FIRST_PROCESS | jdbc:h2:file:/srv/db;AUTO_SERVER=TRUE
			jdbc:h2:file:/srv/db; auto_server = true ;AUTO_RECONNECT=TRUE| H2     | SERVED_BY_FIRST_PROCESS | jdbc:h2:file:/srv/db;AUTO_SERVER=TRUE
			jdbc:h2:file:/srv/db;AUTO_SERVER=FALSE                       | H2     | EXCLUSIVE_FILE          | jdbc:h2:file:/srv/db
			jdbc:h2:file:/srv/db;FILE_LOCK=NO                            | H2     | UNLOCKED_FILE           | jdbc:h2:file:/srv/db;FILE_LOCK=NO
			jdbc:hsqldb:mem:testdb                                       | HSQLDB | IN_MEMORY               | jdbc:hsqldb:mem:testdb
			jdbc:hsqldb:file:/srv/db/app;shutdown=true                   | HSQLDB | EXCLUSIVE_FILE          | jdbc:hsqldb:file:/srv/db/app
			jdbc:hsqldb:file:/srv/db/app;hsqldb.lock_file=false          | HSQLDB | UNLOCKED_FILE           | jdbc:hsqldb:file:/srv/db/app;hsqldb.lock_file=false
			jdbc:derby:memory:testdb;create=true                         | Derby  | IN_MEMORY               | jdbc:derby:memory:testdb
			jdbc:derby:/srv/db/app;create=true;user=a;password=b         | Derby  | EXCLUSIVE_FILE          | jdbc:derby:/srv/db/app
			jdbc:derby:directory:app                                     | Derby  | EXCLUSIVE_FILE          | jdbc:derby:directory:app
			jdbc:sqlite::memory:                                         | SQLite | IN_MEMORY               | jdbc:sqlite::memory:
			""")
	void embedded(String url, String product, Kind kind, String location) {
		EmbeddedDatabase database = EmbeddedDatabase.of(url);

		assertThat(database).isEqualTo(new EmbeddedDatabase(product, kind, location));
		assertThat(database.message()).contains(location).doesNotContain("secret", "password=b");
	}

	@ParameterizedTest
	@ValueSource(strings = { "jdbc:h2:tcp://db.example:9092/~/app", "jdbc:h2:ssl://db:9092/app",
			"jdbc:h2:zip:/srv/app/data.zip!/app", "jdbc:hsqldb:hsql://localhost/app", "jdbc:hsqldb:res:/data/app",
			"jdbc:derby://localhost:1527/app;create=true", "jdbc:derby:classpath:app", "jdbc:sqlite:/srv/app.db",
			"jdbc:postgresql://localhost/petclinic", "jdbc:mysql://localhost/petclinic", "r2dbc:h2:mem:///test",
			"" })
	void notEmbeddedOrReadOnly(String url) {
		assertThat(EmbeddedDatabase.of(url)).isNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "jdbc:h2:file:/srv/db", "jdbc:hsqldb:file:/srv/db", "jdbc:derby:/srv/db" })
	void aLockedFileExplainsAChildThatCouldNotStart(String url) {
		EmbeddedDatabase database = EmbeddedDatabase.of(url);

		assertThat(database.isHazard()).isTrue();
		assertThat(database.message()).contains("a restart will fail", "Use a database server");
		assertThat(database.exitHint()).contains(url, "the new process probably could not open it");
	}

	@ParameterizedTest
	@ValueSource(strings = { "jdbc:h2:mem:x", "jdbc:h2:file:/srv/db;AUTO_SERVER=TRUE", "jdbc:h2:file:/srv/db;FILE_LOCK=NO" })
	void nothingElseExplainsIt(String url) {
		assertThat(EmbeddedDatabase.of(url).exitHint()).isNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "jdbc:h2:mem:x", "jdbc:hsqldb:mem:x", "jdbc:derby:memory:x" })
	void inMemoryIsANoteNotAWarning(String url) {
		EmbeddedDatabase database = EmbeddedDatabase.of(url);

		assertThat(database.isHazard()).isFalse();
		assertThat(database.message()).contains("does not survive a restart");
	}

}
