//! The shell adapter: play every side of a chat in a terminal (Hubot's shell, Errbot's text
//! backend), or run a script of the same lines non-interactively.
//!
//! Lines:
//! - `text`: post a message as the current speaker, in the current channel or thread
//! - `/as NAME`: speak as NAME (a baton person id, or anyone else: a customer)
//! - `/in #CHANNEL`: switch channel (and leave any thread)
//! - `/thread ID` / `/thread`: enter the thread of message ID / go back to the channel
//! - `/react EMOJI [ID]`: react to message ID (default: the last message here)
//! - `/click ACTION [VALUE] [field=value …]`: press a button or submit a form
//! - `/shortcut open ID`: the "Open ticket" message shortcut on message ID
//! - `/wait 5m`, `/at 2026-11-23T09:00:00Z`: move the shell's clock (platform timestamps)
//! - `/ticket …` and any other `/command`: run a bot command here
//! - `/help`, `/quit`; in scripts, lines starting with `# ` are comments
//!
//! Message ids are shown as `m1`, `m2`, …; the platform ids behind them are unique per run.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use baton_chat::{
    ActionInvoked, Author, ChannelId, ChannelRef, ChatSink, Delivered, DeliveryError, Destination, Inbound,
    InboundEvent, IncomingMessage, MessageId, MessageRef, OutboundMessage, Platform, ReactionAdded,
    SlashCommand, TargetMessage, UserId,
};
use chrono::{DateTime, Duration, Utc};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// Receives the events the shell produces and returns once they are handled (so the
/// bot's answers print before the next line runs).
#[async_trait]
pub trait Dispatch: Send + Sync {
    async fn dispatch(&self, event: InboundEvent);
}

#[derive(Clone, Debug)]
struct Posted {
    short: String,
    channel: ChannelRef,
    thread: Option<MessageId>,
    author: Author,
    text: String,
    at: DateTime<Utc>,
}

/// The chat as the shell sees it: every message posted, by people or by the bot.
struct World {
    run: String,
    next: u64,
    messages: BTreeMap<MessageId, Posted>,
    by_short: BTreeMap<String, MessageId>,
    out: Box<dyn Write + Send>,
}

impl World {
    fn post(&mut self, channel: ChannelRef, thread: Option<MessageId>, author: Author, text: String, at: DateTime<Utc>) -> (MessageId, String) {
        self.next += 1;
        let short = format!("m{}", self.next);
        let id = MessageId::parse(format!("{}.{}", self.run, self.next)).expect("shell ids are valid");
        self.by_short.insert(short.clone(), id.clone());
        self.messages.insert(id.clone(), Posted { short: short.clone(), channel, thread, author, text, at });
        (id, short)
    }

    fn short(&self, id: &MessageId) -> String {
        self.messages.get(id).map(|p| p.short.clone()).unwrap_or_else(|| id.to_string())
    }

    fn print(&mut self, text: &str) {
        // A closed terminal must not crash the bot.
        let _ = writeln!(self.out, "{text}");
        let _ = self.out.flush();
    }
}

fn indent(text: &str) -> String {
    text.lines().collect::<Vec<_>>().join("\n    ")
}

/// The shell's outbound half: prints what the bot posts.
#[derive(Clone)]
pub struct ShellSink {
    world: Arc<Mutex<World>>,
}

#[async_trait]
impl ChatSink for ShellSink {
    fn platform(&self) -> Platform {
        Platform::Shell
    }

    async fn deliver(&self, m: &OutboundMessage) -> Result<Delivered, DeliveryError> {
        let mut w = self.world.lock().map_err(|_| DeliveryError::Permanent("shell output poisoned".into()))?;
        let mut body = match &m.card {
            Some(card) => {
                let mut lines = vec![card.title.clone()];
                let fields: Vec<String> = card.fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                if !fields.is_empty() {
                    lines.push(fields.join(" · "));
                }
                if let Some(b) = &card.body {
                    lines.push(b.clone());
                }
                let actions: Vec<String> = card
                    .buttons
                    .iter()
                    .map(|b| match &b.fallback_command {
                        Some(c) => format!("[{}] {c}", b.label),
                        None => format!("[{}] /click {} {}", b.label, b.action_id, b.value.clone().unwrap_or_default()),
                    })
                    .collect();
                if !actions.is_empty() {
                    lines.push(actions.join("  "));
                }
                if let Some(f) = &card.footer {
                    lines.push(f.clone());
                }
                lines.join("\n")
            }
            None => m.text.clone(),
        };
        for a in &m.attachments {
            body.push_str(&format!("\n[file {} ({} bytes)]", a.filename, a.bytes.len()));
            if a.content_type.starts_with("text/") {
                body.push('\n');
                body.push_str(String::from_utf8_lossy(&a.bytes).trim_end());
            }
        }
        let bot = Author { user: UserId::parse("baton").expect("valid"), display_name: "baton".into(), is_bot: true, external: false, staff: false, locale: None };
        let now = Utc::now();
        match &m.destination {
            Destination::Mark { target, emoji } => {
                let short = w.short(&target.message);
                let emoji = emoji.iter().find(|e| !e.is_ascii()).or(emoji.first()).cloned().unwrap_or_default();
                w.print(&format!("[#{}] {short} ← baton reacted {emoji}", target.channel.channel));
                Ok(Delivered { message: None })
            }
            Destination::Ephemeral { channel, thread, user } => {
                let place = match thread {
                    Some(t) => format!("#{} › {}", channel.channel, w.short(t)),
                    None => format!("#{}", channel.channel),
                };
                w.print(&format!("[{place}, only {user} sees] baton: {}", indent(&body)));
                Ok(Delivered { message: None })
            }
            Destination::Direct { user, .. } => {
                if let Some(old) = &m.replaces {
                    let short = w.short(old);
                    if let Some(p) = w.messages.get_mut(old) {
                        p.text = body.clone();
                    }
                    w.print(&format!("[DM → {user}] {short} baton (updated): {}", indent(&body)));
                    return Ok(Delivered { message: Some(old.clone()) });
                }
                let channel = ChannelRef::new(Platform::Shell, ChannelId::parse(format!("dm-{user}")).expect("valid"));
                let (id, short) = w.post(channel, None, bot, body.clone(), now);
                w.print(&format!("[DM → {user}] {short} baton: {}", indent(&body)));
                Ok(Delivered { message: Some(id) })
            }
            Destination::Channel { channel } | Destination::Thread { channel, .. } => {
                let thread = match &m.destination {
                    Destination::Thread { thread, .. } => Some(thread.clone()),
                    _ => None,
                };
                let place = match &thread {
                    Some(t) => format!("#{} › {}", channel.channel, w.short(t)),
                    None => format!("#{}", channel.channel),
                };
                if let Some(old) = &m.replaces {
                    let short = w.short(old);
                    if let Some(p) = w.messages.get_mut(old) {
                        p.text = body.clone();
                    }
                    body = indent(&body);
                    w.print(&format!("[{place}] {short} baton (updated): {body}"));
                    return Ok(Delivered { message: Some(old.clone()) });
                }
                let (id, short) = w.post(channel.clone(), thread, bot, body.clone(), now);
                w.print(&format!("[{place}] {short} baton: {}", indent(&body)));
                Ok(Delivered { message: Some(id) })
            }
        }
    }
}

/// What a line asked for.
#[derive(Debug, PartialEq)]
pub enum Step {
    /// Nothing to send (a setting changed, a comment).
    Nothing,
    /// Send this event to the bot.
    Send(Box<InboundEvent>),
    /// Stop reading.
    Quit,
}

/// A shell line that could not be understood; printed, never fatal.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShellError {
    #[error("usage: {0}")]
    Usage(&'static str),
    #[error("no message {0} here")]
    UnknownMessage(String),
    #[error("nothing to react to yet")]
    NothingToReact,
    #[error("`{0}` is not a duration like 30s, 5m, 2h or 1d")]
    BadDuration(String),
    #[error("`{0}` is not a time like 2026-11-23T09:00:00Z")]
    BadTime(String),
    #[error("`{0}` is not a valid name")]
    BadName(String),
}

/// One person's terminal session: who is speaking, where, and when.
pub struct Shell {
    world: Arc<Mutex<World>>,
    speaker: String,
    channel: String,
    thread: Option<MessageId>,
    /// `Some`: virtual time fixed by `/at`; `None`: real time.
    at: Option<DateTime<Utc>>,
    offset: Duration,
    events: u64,
}

pub const HELP: &str = "\
baton shell: you play everyone in the chat.
  text                      post a message as the current speaker
  /as NAME                  speak as NAME (e.g. /as dana, an agent; /as wile, a customer)
  /in #CHANNEL              switch channel (e.g. /in #acme)
  /thread ID | /thread      enter the thread of message ID | go back to the channel
  /react EMOJI [ID]         react (e.g. /react ticket m1 opens a ticket)
  /click ACTION [VALUE] [field=value ...]   press a button or submit a form
  /shortcut open ID         the \"Open ticket\" message shortcut on message ID
  /wait 5m | /at TIME       move the clock
  /ticket help              the bot's commands
  /quit                     leave";

impl Shell {
    /// A shell printing to `out`, starting as `speaker` in `#channel`.
    pub fn new(out: Box<dyn Write + Send>, speaker: &str, channel: &str) -> (Shell, ShellSink) {
        let run = format!("{:x}", Utc::now().timestamp_micros());
        let world = Arc::new(Mutex::new(World { run, next: 0, messages: BTreeMap::new(), by_short: BTreeMap::new(), out }));
        let shell = Shell {
            world: world.clone(),
            speaker: speaker.to_string(),
            channel: channel.trim_start_matches('#').to_string(),
            thread: None,
            at: None,
            offset: Duration::zero(),
            events: 0,
        };
        (shell, ShellSink { world })
    }

    /// Where the next message will go, e.g. `dana@#acme › m3`.
    pub fn prompt(&self) -> String {
        let w = self.world.lock().expect("shell world");
        match &self.thread {
            Some(t) => format!("{}@#{} › {}> ", self.speaker, self.channel, w.short(t)),
            None => format!("{}@#{}> ", self.speaker, self.channel),
        }
    }

    pub fn print(&self, text: &str) {
        if let Ok(mut w) = self.world.lock() {
            w.print(text);
        }
    }

    fn now(&self) -> DateTime<Utc> {
        let base = self.at.unwrap_or_else(Utc::now);
        base.checked_add_signed(self.offset).unwrap_or(base)
    }

    fn channel_ref(&self) -> ChannelRef {
        ChannelRef::new(Platform::Shell, ChannelId::parse(self.channel.clone()).expect("checked by /in"))
    }

    fn author(&self) -> Author {
        Author::human(UserId::parse(self.speaker.clone()).expect("checked by /as"), self.speaker.clone())
    }

    fn event(&mut self, body: Inbound) -> Step {
        self.events += 1;
        let run = self.world.lock().expect("shell world").run.clone();
        Step::Send(Box::new(InboundEvent { event_id: format!("{run}-{}", self.events), platform: Platform::Shell, body }))
    }

    fn resolve(&self, short: &str) -> Result<MessageId, ShellError> {
        let w = self.world.lock().expect("shell world");
        w.by_short.get(short).cloned().ok_or_else(|| ShellError::UnknownMessage(short.to_string()))
    }

    /// Interprets one line.
    pub fn line(&mut self, line: &str) -> Result<Step, ShellError> {
        let line = line.trim_end_matches(['\r', '\n']);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("# ") || trimmed == "#" {
            return Ok(Step::Nothing);
        }
        let Some(cmdline) = trimmed.strip_prefix('/') else { return Ok(self.say(trimmed)) };
        let (cmd, rest) = cmdline.split_once(char::is_whitespace).unwrap_or((cmdline, ""));
        let rest = rest.trim();
        match cmd {
            "as" => {
                let name = rest.trim_start_matches('@');
                UserId::parse(name).map_err(|_| ShellError::BadName(rest.to_string()))?;
                if name.is_empty() {
                    return Err(ShellError::Usage("/as NAME"));
                }
                self.speaker = name.to_string();
                Ok(Step::Nothing)
            }
            "in" => {
                let name = rest.trim_start_matches('#');
                ChannelId::parse(name).map_err(|_| ShellError::Usage("/in #CHANNEL"))?;
                self.channel = name.to_string();
                self.thread = None;
                Ok(Step::Nothing)
            }
            "thread" => {
                self.thread = if rest.is_empty() { None } else { Some(self.resolve(rest)?) };
                if let Some(t) = &self.thread {
                    let w = self.world.lock().expect("shell world");
                    if let Some(p) = w.messages.get(t) {
                        self.channel = p.channel.channel.to_string();
                        // Replying to a reply continues the same thread.
                        if let Some(root) = &p.thread {
                            self.thread = Some(root.clone());
                        }
                    }
                }
                Ok(Step::Nothing)
            }
            "wait" => {
                let d = parse_duration(rest).ok_or_else(|| ShellError::BadDuration(rest.to_string()))?;
                self.offset = self
                    .offset
                    .checked_add(&d)
                    .filter(|o| *o <= Duration::days(36_500))
                    .ok_or_else(|| ShellError::BadDuration(rest.to_string()))?;
                Ok(Step::Nothing)
            }
            "at" => {
                let t = DateTime::parse_from_rfc3339(rest).map_err(|_| ShellError::BadTime(rest.to_string()))?;
                self.at = Some(t.with_timezone(&Utc));
                self.offset = Duration::zero();
                Ok(Step::Nothing)
            }
            "react" => self.react(rest),
            "click" => self.click(rest),
            "shortcut" => self.shortcut(rest),
            "help" => {
                self.print(HELP);
                Ok(Step::Nothing)
            }
            "quit" | "exit" => Ok(Step::Quit),
            _ => {
                let channel = self.channel_ref();
                let body = Inbound::Command(SlashCommand {
                    channel,
                    thread: self.thread.clone(),
                    user: self.author(),
                    command: cmd.to_string(),
                    text: rest.to_string(),
                    issued_at: self.now(),
                });
                Ok(self.event(body))
            }
        }
    }

    fn say(&mut self, text: &str) -> Step {
        let channel = self.channel_ref();
        let author = self.author();
        let at = self.now();
        let (id, short) = {
            let mut w = self.world.lock().expect("shell world");
            let (id, short) = w.post(channel.clone(), self.thread.clone(), author.clone(), text.to_string(), at);
            let place = match &self.thread {
                Some(t) => format!("#{} › {}", self.channel, w.short(t)),
                None => format!("#{}", self.channel),
            };
            w.print(&format!("[{place}] {short} {}: {}", self.speaker, indent(text)));
            (id, short)
        };
        let _ = short;
        let body = Inbound::Message(IncomingMessage {
            channel,
            message: id,
            thread: self.thread.clone(),
            author,
            text: text.to_string(),
            sent_at: at,
            edited: false,
        });
        self.event(body)
    }

    fn react(&mut self, rest: &str) -> Result<Step, ShellError> {
        let mut parts = rest.split_whitespace();
        let emoji = parts.next().ok_or(ShellError::Usage("/react EMOJI [MESSAGE]"))?.trim_matches(':').to_string();
        let target = match parts.next() {
            Some(short) => self.resolve(short)?,
            None => {
                let w = self.world.lock().expect("shell world");
                let here = self.channel_ref();
                w.messages
                    .iter()
                    .rev()
                    .find(|(_, p)| p.channel == here && p.thread == self.thread)
                    .map(|(id, _)| id.clone())
                    .ok_or(ShellError::NothingToReact)?
            }
        };
        let posted = self.world.lock().expect("shell world").messages.get(&target).cloned().ok_or(ShellError::NothingToReact)?;
        let body = Inbound::Reaction(ReactionAdded {
            target: MessageRef { channel: posted.channel.clone(), message: target },
            thread: posted.thread.clone(),
            emoji,
            user: self.author(),
            message_author: Some(posted.author.clone()),
            message_text: Some(posted.text.clone()),
            message_sent_at: Some(posted.at),
            reacted_at: self.now(),
        });
        Ok(self.event(body))
    }

    fn click(&mut self, rest: &str) -> Result<Step, ShellError> {
        let mut parts = rest.split_whitespace();
        let action_id = parts.next().ok_or(ShellError::Usage("/click ACTION [VALUE] [field=value ...]"))?.to_string();
        let mut value = None;
        let mut fields = BTreeMap::new();
        let mut words = Vec::new();
        for p in parts {
            match p.split_once('=') {
                Some((k, v)) => {
                    fields.insert(k.to_string(), v.replace('_', " "));
                }
                None if value.is_none() && words.is_empty() => value = Some(p.to_string()),
                None => words.push(p),
            }
        }
        let body = Inbound::Action(ActionInvoked {
            channel: self.channel_ref(),
            message: None,
            thread: self.thread.clone(),
            user: self.author(),
            action_id,
            value,
            fields,
            target: None,
            invoked_at: self.now(),
        });
        Ok(self.event(body))
    }

    /// `/shortcut ACTION ID`: a message shortcut (e.g. `open`, "Open ticket") on message ID.
    fn shortcut(&mut self, rest: &str) -> Result<Step, ShellError> {
        let mut parts = rest.split_whitespace();
        let (Some(action), Some(short)) = (parts.next(), parts.next()) else {
            return Err(ShellError::Usage("/shortcut ACTION MESSAGE (e.g. /shortcut open m1)"));
        };
        let id = self.resolve(short)?;
        let posted = self.world.lock().expect("shell world").messages.get(&id).cloned().ok_or(ShellError::NothingToReact)?;
        let action_id = match action {
            "open" => "ticket.open_from_message".to_string(),
            other => other.to_string(),
        };
        let body = Inbound::Action(ActionInvoked {
            channel: posted.channel.clone(),
            message: Some(id.clone()),
            thread: posted.thread.clone(),
            user: self.author(),
            action_id,
            value: None,
            fields: BTreeMap::new(),
            target: Some(TargetMessage {
                message: id,
                thread: posted.thread.clone(),
                author: posted.author.clone(),
                text: posted.text.clone(),
                sent_at: posted.at,
            }),
            invoked_at: self.now(),
        });
        Ok(self.event(body))
    }
}

/// `30s`, `5m`, `2h`, `1d`.
fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: i64 = s[..s.len() - unit.len_utf8()].parse().ok()?;
    let d = match unit {
        's' => Duration::try_seconds(n),
        'm' => Duration::try_minutes(n),
        'h' => Duration::try_hours(n),
        'd' => Duration::try_days(n),
        _ => None,
    }?;
    // Ten years is plenty for a demo, and keeps clock arithmetic far from overflow.
    (d >= Duration::zero() && d <= Duration::days(3650)).then_some(d)
}

/// Reads lines until end of input or `/quit`, sending each event to `dispatch` and waiting
/// for it. With `echo`, each line is printed first (scripts); otherwise a prompt is shown.
pub async fn run<R: AsyncBufRead + Unpin>(shell: &mut Shell, input: R, dispatch: &dyn Dispatch, echo: bool) {
    let mut lines = input.lines();
    loop {
        if !echo {
            let p = shell.prompt();
            if let Ok(mut w) = shell.world.lock() {
                let _ = write!(w.out, "{p}");
                let _ = w.out.flush();
            }
        }
        let line = match lines.next_line().await {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(e) => {
                shell.print(&format!("! cannot read input: {e}"));
                break;
            }
        };
        if echo && line.trim().starts_with('/') {
            shell.print(&format!("{}{}", shell.prompt(), line.trim()));
        }
        match shell.line(&line) {
            Ok(Step::Send(event)) => dispatch.dispatch(*event).await,
            Ok(Step::Nothing) => {}
            Ok(Step::Quit) => break,
            Err(e) => shell.print(&format!("! {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_become_events() {
        let buf = Buf::default();
        let (mut sh, _) = Shell::new(Box::new(buf.clone()), "wile", "#acme");
        assert_eq!(sh.line("/at 2026-11-23T09:00:00Z").unwrap(), Step::Nothing);
        let Step::Send(ev) = sh.line("Login is broken").unwrap() else { panic!() };
        let Inbound::Message(m) = ev.body else { panic!() };
        assert_eq!(m.channel.to_string(), "shell:acme");
        assert_eq!(m.sent_at.to_rfc3339(), "2026-11-23T09:00:00+00:00");
        assert_eq!(m.author.user.as_str(), "wile");
        sh.line("/as dana").unwrap();
        sh.line("/wait 90s").unwrap();
        let Step::Send(ev) = sh.line("/react ticket m1").unwrap() else { panic!() };
        let Inbound::Reaction(r) = ev.body else { panic!() };
        assert_eq!(r.emoji, "ticket");
        assert_eq!(r.message_text.as_deref(), Some("Login is broken"));
        assert_eq!(r.message_author.unwrap().user.as_str(), "wile");
        assert_eq!((r.reacted_at - m.sent_at).num_seconds(), 90);
        sh.line("/thread m1").unwrap();
        let Step::Send(ev) = sh.line("/ticket claim").unwrap() else { panic!() };
        let Inbound::Command(c) = ev.body else { panic!() };
        assert_eq!((c.command.as_str(), c.text.as_str()), ("ticket", "claim"));
        assert_eq!(c.thread, Some(r.target.message));
        let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(out.contains("[#acme] m1 wile: Login is broken"), "{out}");
    }

    proptest::proptest! {
        /// Any line a person types (or a script holds) is handled without a panic.
        #[test]
        fn any_line_is_handled(lines in proptest::collection::vec("(/(as|in|thread|react|click|shortcut|wait|at|ticket|[a-z]{0,8}) )?\\PC{0,60}", 1..12)) {
            let (mut sh, _) = Shell::new(Box::new(Buf::default()), "dana", "#acme");
            for l in &lines {
                let _ = sh.line(l);
            }
        }
    }

    #[test]
    fn bad_lines_are_errors_not_panics() {
        let (mut sh, _) = Shell::new(Box::new(Buf::default()), "dana", "#acme");
        assert_eq!(sh.line("/react"), Err(ShellError::Usage("/react EMOJI [MESSAGE]")));
        assert_eq!(sh.line("/react ticket"), Err(ShellError::NothingToReact));
        assert_eq!(sh.line("/thread m9"), Err(ShellError::UnknownMessage("m9".into())));
        assert_eq!(sh.line("/wait soon"), Err(ShellError::BadDuration("soon".into())));
        assert_eq!(sh.line("/wait 99999999999999d"), Err(ShellError::BadDuration("99999999999999d".into())));
        assert_eq!(sh.line("/wait -5m"), Err(ShellError::BadDuration("-5m".into())));
        assert_eq!(sh.line("/at yesterday"), Err(ShellError::BadTime("yesterday".into())));
        assert_eq!(sh.line("# a comment").unwrap(), Step::Nothing);
        assert_eq!(sh.line("/quit").unwrap(), Step::Quit);
    }
}
