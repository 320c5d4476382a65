package dev.grace.boot.autoconfigure;

import java.io.PrintWriter;
import java.sql.Connection;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class EmbeddedDatabaseCheckTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withBean(EmbeddedDatabaseCheck.class);

	@Test
	void aLockedFileIsOneWarningAndExplainsAChildThatExits(CapturedOutput output) {
		this.runner.withBean("dataSource", DataSource.class, () -> new HikariLike("jdbc:h2:file:/srv/app/db"))
			.run((context) -> {
				assertThat(context.getBean(EmbeddedDatabaseCheck.class).exitHint())
					.startsWith("This process holds the embedded H2 database jdbc:h2:file:/srv/app/db open");
				assertThat(output).containsOnlyOnce("WARN")
					.contains("The DataSource is an embedded H2 database in a file that one process at a time can "
							+ "open (jdbc:h2:file:/srv/app/db): a restart will fail");
			});
	}

	@Test
	void inMemoryIsOneInfoLine(CapturedOutput output) {
		this.runner
			.withBean("dataSource", DataSource.class,
					() -> new UrlOnly("jdbc:h2:mem:0b5e;DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=false"))
			.run((context) -> {
				assertThat(context.getBean(EmbeddedDatabaseCheck.class).exitHint()).isNull();
				assertThat(output).doesNotContain("WARN")
					.containsOnlyOnce("INFO")
					.contains("The DataSource is an in-memory H2 database (jdbc:h2:mem:0b5e): its data lives in this "
							+ "JVM and does not survive a restart");
			});
	}

	@Test
	void aProxyIsLookedThrough(CapturedOutput output) {
		this.runner
			.withBean("dataSource", DataSource.class,
					() -> new Delegating(new Delegating(new UrlOnly("jdbc:hsqldb:file:/srv/app/db"))))
			.run((context) -> assertThat(output).contains("embedded HSQLDB database in a file"));
	}

	@Test
	void aDataSourceWithoutAUrlGetterFallsBackToTheProperty(CapturedOutput output) {
		this.runner.withPropertyValues("spring.datasource.url=jdbc:derby:/srv/app/db;create=true")
			.withBean("dataSource", DataSource.class, NoUrl::new)
			.run((context) -> assertThat(output).contains("embedded Derby database in a file that one process at a "
					+ "time can open (jdbc:derby:/srv/app/db)"));
	}

	@Test
	void theSameDatabaseTwiceIsOneLine(CapturedOutput output) {
		this.runner.withBean("one", DataSource.class, () -> new HikariLike("jdbc:h2:file:/srv/app/db"))
			.withBean("two", DataSource.class, () -> new UrlOnly("jdbc:h2:file:/srv/app/db"))
			.run((context) -> assertThat(output).containsOnlyOnce("The DataSource is"));
	}

	@Test
	void aServerOrNoDataSourceSaysNothing(CapturedOutput output) {
		this.runner.withPropertyValues("spring.datasource.url=jdbc:h2:file:/srv/app/db")
			.run((context) -> assertThat(context.getBean(EmbeddedDatabaseCheck.class).exitHint()).isNull());
		this.runner.withBean("dataSource", DataSource.class, () -> new HikariLike("jdbc:postgresql://db/app"))
			.run((context) -> assertThat(context.getBean(EmbeddedDatabaseCheck.class).exitHint()).isNull());
		assertThat(output).doesNotContain("The DataSource is");
	}

	@Test
	void aLazyDataSourceIsNotCreatedForTheCheck() {
		this.runner.withPropertyValues("spring.main.lazy-initialization=true")
			.withBean("dataSource", DataSource.class, () -> {
				throw new IllegalStateException("created");
			}, (definition) -> definition.setLazyInit(true))
			.run((context) -> assertThat(context).hasNotFailed());
	}

	/** Like Hikari: getJdbcUrl. */
	static class HikariLike extends NoUrl {

		private final String url;

		HikariLike(String url) {
			this.url = url;
		}

		public String getJdbcUrl() {
			return this.url;
		}

	}

	/** Like most others: getUrl. */
	static class UrlOnly extends NoUrl {

		private final String url;

		UrlOnly(String url) {
			this.url = url;
		}

		public String getUrl() {
			return this.url;
		}

	}

	/** Like Spring's DelegatingDataSource. */
	static class Delegating extends NoUrl {

		private final DataSource target;

		Delegating(DataSource target) {
			this.target = target;
		}

		public DataSource getTargetDataSource() {
			return this.target;
		}

	}

	static class NoUrl implements DataSource {

		@Override
		public Connection getConnection() {
			throw new UnsupportedOperationException("no connection may be opened");
		}

		@Override
		public Connection getConnection(String username, String password) {
			throw new UnsupportedOperationException("no connection may be opened");
		}

		@Override
		public PrintWriter getLogWriter() {
			return null;
		}

		@Override
		public void setLogWriter(PrintWriter out) {
		}

		@Override
		public void setLoginTimeout(int seconds) {
		}

		@Override
		public int getLoginTimeout() {
			return 0;
		}

		@Override
		public Logger getParentLogger() {
			return Logger.getGlobal();
		}

		@Override
		public <T> T unwrap(Class<T> iface) {
			throw new UnsupportedOperationException();
		}

		@Override
		public boolean isWrapperFor(Class<?> iface) {
			return false;
		}

	}

}
