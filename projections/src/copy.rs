//! Rows written with `COPY ... FROM STDIN` in PostgreSQL's text format: the cheapest way to
//! append many rows (a rebuild writes every row of a read model, a batch every new riwayat
//! entry).

use std::fmt::Display;
use std::io::Write as _;

use sqlx::PgConnection;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Rows being encoded for one `COPY`.
#[derive(Default)]
pub struct CopyRows {
    buf: Vec<u8>,
    /// Fields written in the current row.
    fields: usize,
    rows: usize,
}

impl CopyRows {
    fn separate(&mut self) {
        if self.fields > 0 {
            self.buf.push(b'\t');
        }
        self.fields += 1;
    }

    /// A text field, escaped (backslash, tab, newline and carriage return).
    pub fn text(&mut self, s: &str) -> &mut Self {
        self.separate();
        for b in s.bytes() {
            match b {
                b'\\' => self.buf.extend_from_slice(b"\\\\"),
                b'\t' => self.buf.extend_from_slice(b"\\t"),
                b'\n' => self.buf.extend_from_slice(b"\\n"),
                b'\r' => self.buf.extend_from_slice(b"\\r"),
                _ => self.buf.push(b),
            }
        }
        self
    }

    /// A nullable text field.
    pub fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    /// A value whose `Display` needs no escaping: numbers, UUIDs, dates.
    pub fn plain(&mut self, v: impl Display) -> &mut Self {
        self.separate();
        // Writing into a Vec cannot fail.
        let _ = write!(self.buf, "{v}");
        self
    }

    /// A nullable [`plain`](Self::plain) value.
    pub fn opt_plain(&mut self, v: Option<impl Display>) -> &mut Self {
        match v {
            Some(v) => self.plain(v),
            None => self.null(),
        }
    }

    /// A `timestamptz`, as RFC 3339.
    pub fn timestamp(&mut self, t: OffsetDateTime) -> &mut Self {
        self.separate();
        // An `OffsetDateTime` read from PostgreSQL always formats.
        let _ = t.format_into(&mut self.buf, &Rfc3339);
        self
    }

    pub fn null(&mut self) -> &mut Self {
        self.separate();
        self.buf.extend_from_slice(b"\\N");
        self
    }

    /// Ends the current row.
    pub fn end_row(&mut self) {
        self.buf.push(b'\n');
        self.fields = 0;
        self.rows += 1;
    }

    /// Sends the rows to `table (columns)`; nothing when there are none.
    ///
    /// # Errors
    /// Database errors, including a row the table refuses.
    pub async fn send(
        self,
        conn: &mut PgConnection,
        table: &str,
        columns: &str,
    ) -> Result<u64, sqlx::Error> {
        if self.rows == 0 {
            return Ok(0);
        }
        let mut copy = conn
            .copy_in_raw(&format!("copy {table} ({columns}) from stdin"))
            .await?;
        copy.send(self.buf).await?;
        copy.finish().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_are_escaped_and_nulls_marked() {
        let mut rows = CopyRows::default();
        rows.text("a\tb\\c\nd")
            .opt_text(None)
            .plain(42)
            .opt_plain(None::<i32>);
        rows.end_row();
        assert_eq!(
            String::from_utf8(rows.buf).unwrap(),
            "a\\tb\\\\c\\nd\t\\N\t42\t\\N\n"
        );
    }
}
