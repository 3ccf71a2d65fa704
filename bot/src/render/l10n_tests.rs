//! The same ticket card, CSM handoff and transcript rendered in all five languages, as
//! people read them. The expected texts were reviewed for sense and tone by language, not
//! generated: a change to a catalogue or a format shows up here as a readable diff.

use baton_chat::{ChannelRef, Destination, MessageId, OutboundMessage, Platform, UserId};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use unic_langid::LanguageIdentifier;

use super::*;
use crate::domain::{Arr, Currency, Origin, Requester, SlaTarget, TicketId, Title};
use crate::health::Reason;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn key(s: &str) -> TicketKey {
    TicketKey::parse(s).unwrap()
}

fn channel() -> ChannelRef {
    ChannelRef::parse("slack:C0ACME0001").unwrap()
}

/// Everything a reader sees of a message, as plain lines: text, card, buttons, files.
fn show(m: &OutboundMessage) -> String {
    let mut out = vec![m.text.clone()];
    if let Some(c) = &m.card {
        out.push(format!("## {}", c.title));
        out.extend(c.fields.iter().map(|(k, v)| format!("{k}: {v}")));
        out.extend(c.body.iter().cloned());
        if !c.buttons.is_empty() {
            out.push(c.buttons.iter().map(|b| format!("[{}]", b.label)).collect::<Vec<_>>().join(" "));
        }
        out.extend(c.footer.iter().cloned());
    }
    for a in &m.attachments {
        out.push(format!("-- {} --", a.filename));
        out.push(String::from_utf8(a.bytes.clone()).expect("transcripts are UTF-8"));
    }
    out.join("\n")
}

fn render_in(lang: &str, msg: Msg) -> String {
    let lang: LanguageIdentifier = lang.parse().unwrap();
    let reply = Reply { to: Destination::Channel { channel: channel() }, lang, msg, replaces: None };
    show(&render(&reply))
}

fn card_msg() -> Msg {
    let ticket = Ticket {
        id: TicketId(7),
        key: key("ACME-7"),
        account: None,
        requester: Requester {
            platform: Platform::Slack,
            user: UserId::parse("U0WILE").unwrap(),
            display_name: "Wile".into(),
            person: None,
        },
        title: Title::parse("SSO login loops forever").unwrap(),
        status: TicketStatus::Open,
        priority: Priority::High,
        assignee: Some(crate::domain::PersonId::parse("dana").unwrap()),
        tags: [Tag::parse("bug:sso-loop").unwrap()].into_iter().collect(),
        origin: Origin { channel: channel(), message: Some(MessageId::parse("m5").unwrap()), thread: None },
        card_message: None,
        opened_at: at("2026-11-23T09:00:00Z"),
        created_at: at("2026-11-23T09:00:00Z"),
        updated_at: at("2026-11-23T09:00:00Z"),
        follow_up_of: None,
        version: 1,
    };
    Msg::Card {
        ticket: Box::new(ticket),
        account: Some("Acme Corp".into()),
        assignee: Some("Dana".into()),
        follow_up_of: Some(key("ACME-3")),
        escalation: Some("Tier 2".into()),
        sla: vec![(SlaTarget::Resolution, at("2026-11-24T17:00:00Z"), false)],
        tz: chrono_tz::UTC,
    }
}

fn handoff_msg() -> Msg {
    let account = AccountContext {
        name: "Acme Corp".into(),
        tier: "enterprise".into(),
        arr: Some(Arr::new(120_000, Currency::parse("SEK").unwrap())),
        renewal_date: NaiveDate::from_ymd_opt(2026, 12, 5),
        days_to_renewal: Some(12),
        open_tickets: vec![key("ACME-7"), key("ACME-9")],
        escalations_30d: 1,
        breaches_30d: 3,
        last_csat: Some((2, key("ACME-3"))),
        health: Some(HealthView {
            score: 62,
            trend: Some((NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(), -8)),
            reasons: vec![
                Reason::LowCsat { average: 2.0, ratings: 1 },
                Reason::Breaches { count: 3, days: 30 },
                Reason::Unanswered { count: 2 },
                Reason::RenewalSoon { days: 12 },
            ],
        }),
    };
    Msg::Handoff(Box::new(HandoffContext {
        key: key("ACME-7"),
        title: "SSO login loops forever".into(),
        priority: Priority::High,
        status: TicketStatus::Open,
        age: Duration::minutes(70),
        account: Some(account),
        reason: HandoffReason::Breach { target: SlaTarget::FirstResponse },
        note: Some("Renewal call on Friday".into()),
        conversation: vec![
            ConversationLine { customer: true, name: "Wile".into(), text: "Login loops after SSO 🔁".into() },
            ConversationLine { customer: false, name: "Dana".into(), text: "Checking the IdP logs".into() },
        ],
        thread: (channel(), Some(MessageId::parse("m5").unwrap())),
        no_csm: false,
    }))
}

fn transcript_msg(tz: chrono_tz::Tz) -> Msg {
    Msg::Transcript {
        key: key("ACME-7"),
        title: "SSO login loops forever".into(),
        lines: vec![
            TranscriptLine { at: at("2026-11-23T09:00:00Z"), name: "Wile".into(), text: "Our SSO login loops forever".into() },
            TranscriptLine { at: at("2026-11-23T09:10:00Z"), name: "Dana".into(), text: "Looking into it now".into() },
            TranscriptLine { at: at("2026-11-23T09:12:00Z"), name: "نیلوفر".into(), text: "ورود با SSO هنوز در حلقه است 🔁 ล็อกอินไม่ได้".into() },
        ],
        tz,
    }
}

/// Compares line by line, so a failure names the line that changed.
fn assert_same(lang: &str, got: &str, want: &str) {
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "{lang}, line {}", i + 1);
    }
    assert_eq!(got, want, "{lang}");
}

#[test]
fn ticket_card_in_five_languages() {
    let cases = [
        ("en-US", "Ticket ACME-7 (open, high): SSO login loops forever\n\
## ACME-7: SSO login loops forever\n\
Status: open\n\
Priority: high\n\
Assignee: Dana\n\
Account: Acme Corp\n\
Requester: Wile\n\
Tags: bug:sso-loop\n\
resolution: due Nov 24, 2026, 5:00 PM UTC\n\
Escalated to: Tier 2\n\
[Mark urgent] [Escalate] [Solve]\n\
Follow-up to ACME-3"),
        ("sv-SE", "Ärende ACME-7 (öppet, hög): SSO login loops forever\n\
## ACME-7: SSO login loops forever\n\
Status: öppet\n\
Prioritet: hög\n\
Ansvarig: Dana\n\
Kund: Acme Corp\n\
Anmälare: Wile\n\
Taggar: bug:sso-loop\n\
lösning: senast 24 nov. 2026 17:00 UTC\n\
Eskalerat till: Tier 2\n\
[Markera som brådskande] [Eskalera] [Markera som löst]\n\
Uppföljning av ACME-3"),
        ("ru", "Обращение ACME-7 (открыто, высокий): SSO login loops forever\n\
## ACME-7: SSO login loops forever\n\
Статус: открыто\n\
Приоритет: высокий\n\
Исполнитель: Dana\n\
Клиент: Acme Corp\n\
Заявитель: Wile\n\
Теги: bug:sso-loop\n\
решение: до 24 нояб. 2026 г., 17:00 UTC\n\
Эскалация: Tier 2\n\
[Сделать срочным] [Эскалировать] [Решено]\n\
Продолжение ACME-3"),
        ("th", "เคส ACME-7 (เปิดอยู่, สูง): SSO login loops forever\n\
## ACME-7: SSO login loops forever\n\
สถานะ: เปิดอยู่\n\
ระดับความสำคัญ: สูง\n\
ผู้รับผิดชอบ: Dana\n\
ลูกค้า: Acme Corp\n\
ผู้แจ้ง: Wile\n\
แท็ก: bug:sso-loop\n\
การแก้ไขปัญหา: ครบกำหนด 24 พ.ย. 2569 17:00 น. UTC\n\
ยกระดับไปที่: Tier 2\n\
[ตั้งเป็นด่วน] [ยกระดับ] [แก้ไขแล้ว]\n\
ต่อจากเคส ACME-3"),
        ("fa", "تیکت ACME-7 (باز، بالا): SSO login loops forever\n\
## ACME-7: SSO login loops forever\n\
وضعیت: باز\n\
اولویت: بالا\n\
مسئول: Dana\n\
مشتری: Acme Corp\n\
درخواست‌دهنده: Wile\n\
برچسب‌ها: bug:sso-loop\n\
حل مشکل: مهلت تا ۳ آذر ۱۴۰۵، ساعت ۱۷:۰۰ UTC\n\
ارجاع‌شده به: Tier 2\n\
[فوری کردن] [ارجاع] [حل شد]\n\
پیگیری ACME-3"),
    ];
    for (lang, want) in cases {
        assert_same(lang, &render_in(lang, card_msg()), want);
    }
}

#[test]
fn csm_handoff_dm_in_five_languages() {
    // An SEK account: `SEK 120,000` in English, `120 000 kr` in Swedish; dates in each
    // language's calendar; the age as a duration with the language's units.
    let cases = [
        ("en-US", "Handoff ACME-7 (the first response SLA was breached): SSO login loops forever\n\
## Handoff ACME-7: SSO login loops forever\n\
Account: Acme Corp (enterprise)\n\
ARR: SEK\u{a0}120,000\n\
Renewal: Dec 5, 2026 (in 12 days)\n\
Open tickets (2): ACME-7, ACME-9\n\
Last 30 days: 1 escalation, 3 SLA breaches\n\
Last CSAT: 2/5 on ACME-3\n\
Health: 62/100 (-8 points since Nov 16, 2026)\n\
Priority: high\n\
Status: open\n\
Age: 1h 10m\n\
Thread: slack:C0ACME0001 › m5\n\
Why now: the first response SLA was breached\n\
Note from the agent: Renewal call on Friday\n\
Health: CSAT 2.0 on the last rating; 3 SLA breaches in 30 days; 2 customer messages waiting for a reply; renewal in 12 days\n\
Latest messages:\n\
• Wile (customer): Login loops after SSO 🔁\n\
• Dana (agent): Checking the IdP logs\n\
[Acknowledge]"),
        ("sv-SE", "Överlämning ACME-7 (SLA:n för första svar har överskridits): SSO login loops forever\n\
## Överlämning ACME-7: SSO login loops forever\n\
Kund: Acme Corp (enterprise)\n\
ARR: 120\u{a0}000\u{a0}kr\n\
Förnyelse: 5 dec. 2026 (om 12 dagar)\n\
Öppna ärenden (2): ACME-7, ACME-9\n\
Senaste 30 dagarna: 1 eskalering, 3 SLA-överträdelser\n\
Senaste CSAT: 2/5 på ACME-3\n\
Kundhälsa: 62/100 (−8 poäng sedan 16 nov. 2026)\n\
Prioritet: hög\n\
Status: öppet\n\
Ålder: 1 tim 10 min\n\
Tråd: slack:C0ACME0001 › m5\n\
Varför nu: SLA:n för första svar har överskridits\n\
Meddelande från supporten: Renewal call on Friday\n\
Kundhälsa: CSAT 2,0 på det senaste betyget; 3 SLA-överträdelser på 30 dagar; 2 kundmeddelanden väntar på svar; förnyelse om 12 dagar\n\
Senaste meddelandena:\n\
• Wile (kund): Login loops after SSO 🔁\n\
• Dana (support): Checking the IdP logs\n\
[Bekräfta]"),
        ("ru", "Передача ACME-7 (SLA «первый ответ» нарушен): SSO login loops forever\n\
## Передача ACME-7: SSO login loops forever\n\
Клиент: Acme Corp (enterprise)\n\
ARR: 120\u{a0}000\u{a0}SEK\n\
Продление: 5 дек. 2026 г. (через 12 дней)\n\
Открытые обращения (2): ACME-7, ACME-9\n\
За 30 дней: 1 эскалация, 3 нарушения SLA\n\
Последний CSAT: 2/5 по ACME-3\n\
Здоровье: 62/100 (-8 баллов с 16 нояб. 2026 г.)\n\
Приоритет: высокий\n\
Статус: открыто\n\
С момента открытия: 1 ч 10 мин\n\
Ветка: slack:C0ACME0001 › m5\n\
Почему сейчас: SLA «первый ответ» нарушен\n\
Комментарий агента: Renewal call on Friday\n\
Здоровье: CSAT 2,0 по последней оценке; 3 нарушения SLA за 30 дней; 2 сообщения клиента ждут ответа; продление через 12 дней\n\
Последние сообщения:\n\
• Wile (клиент): Login loops after SSO 🔁\n\
• Dana (поддержка): Checking the IdP logs\n\
[Подтвердить]"),
        ("th", "ส่งต่อ ACME-7 (เกินเวลา SLA สำหรับการตอบครั้งแรก): SSO login loops forever\n\
## ส่งต่อ ACME-7: SSO login loops forever\n\
ลูกค้า: Acme Corp (enterprise)\n\
ARR: SEK\u{a0}120,000\n\
ต่อสัญญา: 5 ธ.ค. 2569 (อีก 12 วัน)\n\
เคสที่เปิดอยู่ (2): ACME-7, ACME-9\n\
30 วันล่าสุด: ยกระดับ 1 ครั้ง เกิน SLA 3 ครั้ง\n\
CSAT ล่าสุด: 2/5 ใน ACME-3\n\
สุขภาพบัญชี: 62/100 (-8 คะแนน นับจาก 16 พ.ย. 2569)\n\
ระดับความสำคัญ: สูง\n\
สถานะ: เปิดอยู่\n\
เปิดมาแล้ว: 1 ชม. 10 นาที\n\
เธรด: slack:C0ACME0001 › m5\n\
ทำไมต้องตอนนี้: เกินเวลา SLA สำหรับการตอบครั้งแรก\n\
บันทึกจากเจ้าหน้าที่: Renewal call on Friday\n\
สุขภาพบัญชี: CSAT 2.0 จากคะแนนล่าสุด, เกิน SLA 3 ครั้งใน 30 วัน, ข้อความจากลูกค้า 2 ข้อความยังรอการตอบกลับ, ต่อสัญญาในอีก 12 วัน\n\
ข้อความล่าสุด:\n\
• Wile (ลูกค้า): Login loops after SSO 🔁\n\
• Dana (ซัพพอร์ต): Checking the IdP logs\n\
[รับทราบ]"),
        ("fa", "تحویل ACME-7 (مهلت SLA برای اولین پاسخ گذشته است): SSO login loops forever\n\
## تحویل ACME-7: SSO login loops forever\n\
مشتری: Acme Corp (enterprise)\n\
ARR: ۱۲۰٬۰۰۰ کرون سوئد\n\
تمدید: ۱۴ آذر ۱۴۰۵ (۱۲ روز دیگر)\n\
تیکت‌های باز (۲): ACME-7، ACME-9\n\
۳۰ روز گذشته: ۱ ارجاع، ۳ نقض SLA\n\
آخرین CSAT: ۲ از ۵ برای ACME-3\n\
سلامت: ۶۲ از ۱۰۰ (\u{200e}−۸ امتیاز از ۲۵ آبان ۱۴۰۵)\n\
اولویت: بالا\n\
وضعیت: باز\n\
عمر تیکت: ۱ ساعت و ۱۰ دقیقه\n\
رشته‌ی گفتگو: slack:C0ACME0001 › m5\n\
چرا الان: مهلت SLA برای اولین پاسخ گذشته است\n\
یادداشت کارشناس: Renewal call on Friday\n\
سلامت: CSAT ۲٫۰ در آخرین امتیاز؛ ۳ نقض SLA در ۳۰ روز؛ ۲ پیام مشتری در انتظار پاسخ؛ ۱۲ روز تا تمدید\n\
آخرین پیام‌ها:\n\
• Wile (مشتری): Login loops after SSO 🔁\n\
• Dana (پشتیبانی): Checking the IdP logs\n\
[تأیید دریافت]"),
    ];
    for (lang, want) in cases {
        assert_same(lang, &render_in(lang, handoff_msg()), want);
    }
}

#[test]
fn transcript_in_five_languages_and_time_zones() {
    // The same three messages (09:00, 09:10 and 09:12 UTC; the last in Persian, Thai and an
    // emoji, kept as written) in each reader's time zone.
    let cases = [
        ("en-US", chrono_tz::UTC, "Transcript of ACME-7 (3 messages) attached.\n\
-- ACME-7-transcript.txt --\n\
Transcript of ACME-7: SSO login loops forever\n\
[Nov 23, 2026, 9:00 AM UTC] Wile: Our SSO login loops forever\n\
[Nov 23, 2026, 9:10 AM UTC] Dana: Looking into it now\n\
[Nov 23, 2026, 9:12 AM UTC] نیلوفر: ورود با SSO هنوز در حلقه است 🔁 ล็อกอินไม่ได้\n\
"),
        ("sv-SE", chrono_tz::Europe::Stockholm, "Konversationen i ACME-7 (3 meddelanden) finns i den bifogade filen.\n\
-- ACME-7-transcript.txt --\n\
Konversationen i ACME-7: SSO login loops forever\n\
[23 nov. 2026 10:00 CET] Wile: Our SSO login loops forever\n\
[23 nov. 2026 10:10 CET] Dana: Looking into it now\n\
[23 nov. 2026 10:12 CET] نیلوفر: ورود با SSO هنوز در حلقه است 🔁 ล็อกอินไม่ได้\n\
"),
        ("ru", chrono_tz::Europe::Moscow, "Переписка по ACME-7 (3 сообщения) во вложении.\n\
-- ACME-7-transcript.txt --\n\
Переписка по ACME-7: SSO login loops forever\n\
[23 нояб. 2026 г., 12:00 MSK] Wile: Our SSO login loops forever\n\
[23 нояб. 2026 г., 12:10 MSK] Dana: Looking into it now\n\
[23 нояб. 2026 г., 12:12 MSK] نیلوفر: ورود با SSO هنوز در حلقه است 🔁 ล็อกอินไม่ได้\n\
"),
        ("th", chrono_tz::Asia::Bangkok, "แนบบันทึกการสนทนาของ ACME-7 (3 ข้อความ) ไว้แล้ว\n\
-- ACME-7-transcript.txt --\n\
บันทึกการสนทนาของ ACME-7: SSO login loops forever\n\
[23 พ.ย. 2569 16:00 น. UTC+7] Wile: Our SSO login loops forever\n\
[23 พ.ย. 2569 16:10 น. UTC+7] Dana: Looking into it now\n\
[23 พ.ย. 2569 16:12 น. UTC+7] نیلوفر: ورود با SSO هنوز در حلقه است 🔁 ล็อกอินไม่ได้\n\
"),
        ("fa", chrono_tz::Asia::Tehran, "متن گفتگوی ACME-7 (۳ پیام) پیوست شد.\n\
-- ACME-7-transcript.txt --\n\
متن گفتگوی ACME-7: SSO login loops forever\n\
[۲ آذر ۱۴۰۵، ساعت ۱۲:۳۰ UTC+3:30] Wile: Our SSO login loops forever\n\
[۲ آذر ۱۴۰۵، ساعت ۱۲:۴۰ UTC+3:30] Dana: Looking into it now\n\
[۲ آذر ۱۴۰۵، ساعت ۱۲:۴۲ UTC+3:30] نیلوفر: ورود با SSO هنوز در حلقه است 🔁 ล็อกอินไม่ได้\n\
"),
    ];
    for (lang, tz, want) in cases {
        assert_same(lang, &render_in(lang, transcript_msg(tz)), want);
    }
}

#[test]
fn sla_times_are_shown_in_the_teams_time_zone() {
    use crate::render::Notice;
    let due = at("2026-11-30T08:30:00Z");
    let notice = |tag: &str, tz| {
        let reply = Reply {
            to: baton_chat::Destination::Channel { channel: "shell:acme".parse().unwrap() },
            lang: tag.parse().unwrap(),
            msg: Msg::Notice(Notice::SlaWarning { key: key("ACME-1"), target: SlaTarget::FirstResponse, due, tz }),
            replaces: None,
        };
        crate::render::render(&reply).text
    };
    let utc = notice("en-US", chrono_tz::UTC);
    let stockholm = notice("en-US", chrono_tz::Europe::Stockholm);
    assert!(utc.contains("8:30 AM"), "{utc}");
    assert!(stockholm.contains("9:30 AM"), "09:30 in Stockholm (UTC+1 in November): {stockholm}");
    let sv = notice("sv-SE", chrono_tz::Europe::Stockholm);
    assert!(sv.contains("09:30"), "{sv}");
    eprintln!("{utc}\n{stockholm}\n{sv}");
}
