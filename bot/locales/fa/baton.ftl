# پیام‌های فارسی baton؛ همان شناسه‌ها و متغیرهای en-US/baton.ftl.
# «تیکت» برای ticket و «مشتری» برای account. اعداد در متغیرها با ارقام فارسی و جداکننده‌ی ٬
# نوشته می‌شوند؛ ارقام داخل متن هم فارسی‌اند. در فارسی اسم پس از عدد مفرد است، پس
# انتخاب بر اساس جمع (one/other) لازم نیست.

## Ticket card
card-title = { $key }: { $title }
card-field-status = وضعیت
card-field-priority = اولویت
card-field-assignee = مسئول
card-field-account = مشتری
card-field-requester = درخواست‌دهنده
card-field-tags = برچسب‌ها
card-field-escalation = ارجاع‌شده به
card-sla-due = مهلت تا { $due }
card-sla-breached = نقض شده (مهلت { $due } بود)
card-unassigned = بدون مسئول
card-no-account = بدون مشتری
card-followup = پیگیری { $key }
card-text = تیکت { $key } ({ $status }، { $priority }): { $title }

## Buttons
button-claim = برعهده گرفتن
button-solve = حل شد
button-urgent = فوری کردن
button-reopen = بازگشایی
button-escalate = ارجاع
escalate-form-title = ارجاع { $key }
escalate-form-reason = چرا باید به سطح بعدی برود؟

button-open-ticket = ثبت تیکت
button-close-confirm = بله، ببندید
button-close-decline = نه، هنوز کمک لازم دارم

## Intake panel
panel-title = کمک لازم دارید؟
panel-text = روی «ثبت تیکت» بزنید و بگویید چه اتفاقی افتاده است. تیم پشتیبانی در رشته‌ی گفتگوی تیکت پاسخ می‌دهد.
panel-form-title = ثبت تیکت جدید
panel-form-submit = ثبت تیکت
panel-field-title = مشکل چیست؟ در چند کلمه
panel-field-description = جزئیات (انتظار چه چیزی را داشتید، چه اتفاقی افتاد، از چه زمانی)
panel-field-priority = چقدر فوری است؟

## Closing
close-request = مشکل { $key } برایتان حل شده است؟ اگر بله، تیکت را می‌بندیم؛ اگر نه، بگویید هنوز چه چیزی درست کار نمی‌کند.
pending-reminder = { $key } منتظر پاسخ شماست. اگر خبری از شما نرسد، { $days } روز دیگر به‌عنوان حل‌شده علامت می‌خورد.

## Status and priority names
status-new = جدید
status-open = باز
status-pending = در انتظار پاسخ مشتری
status-on-hold = معلق
status-solved = حل‌شده
status-closed = بسته
priority-low = پایین
priority-normal = عادی
priority-high = بالا
priority-urgent = فوری

## Lifecycle notices posted in the ticket thread
notice-claimed = { $name } مسئولیت { $key } را برعهده گرفت.
notice-assigned = اکنون { $name } مسئول { $key } است.
notice-unassigned = { $key } دیگر مسئولی ندارد.
notice-status = وضعیت { $key }: { $status }
notice-priority = اولویت { $key }: { $priority }
notice-tags = برچسب‌های { $key }: { $tags }
notice-reopened = { $key } دوباره باز شد، چون مشتری پاسخ داد.
notice-followup = این گفتگو مدتی پیش حل شده بود، برای همین تیکت { $key } را برای پیگیری باز کردم.
notice-already-ticket = این پیام از قبل تیکت { $key } است.
notice-close-declined = مشتری هنوز درباره‌ی { $key } به کمک نیاز دارد، پس تیکت باز می‌ماند.
notice-auto-solved = چون پاسخی دریافت نکردیم، { $key } به‌عنوان حل‌شده علامت خورد. برای بازگشایی، همین‌جا پاسخ دهید.
notice-auto-closed = { $key } بسته شد.

## Tag reach
tags-top-title = برچسب‌ها بر اساس تعداد مشتریان درگیر
tags-top-line = { $tag }: { $count } مشتری
tags-top-empty = هنوز هیچ تیکت برچسب‌داری وجود ندارد.
tags-none = هیچ

## CSAT
csat-ask = کار ما در { $key } چطور بود؟ از ۱ (ضعیف) تا ۵ (عالی) امتیاز دهید.
csat-button = { $rating }
csat-thanks = ممنون! به { $key } امتیاز { $rating } از ۵ دادید.
csat-changed = ممنون، امتیاز شما به { $key } اکنون { $rating } از ۵ است.

## Transcript
transcript-posted = متن گفتگوی { $key } ({ $count } پیام) پیوست شد.
transcript-title = متن گفتگوی { $key }: { $title }
transcript-line = [{ $time }] { $name }: { $text }
transcript-empty = (هنوز پیامی نیست)

## Escalation
escalation-title = { $key } به { $level } (سطح { $number }) ارجاع شد: { $title }
escalation-account = مشتری: { $account }
escalation-by = ارجاع‌دهنده: { $name }
escalation-by-baton = baton (خودکار)
escalation-reason = دلیل: { $reason }
escalation-thread = گفتگو: { $thread }
escalation-ping = برای: { $names }
escalation-left = { $key } دیگر در { $level } نیست.
escalation-solved = { $key } حل شد؛ کار دیگری از { $level } لازم نیست.
notice-escalated = { $key } به { $level } ارجاع شد.
notice-deescalated = ارجاع { $key } برداشته شد.
notice-handoff-sent = CSM این مشتری در جریان کامل { $key } قرار گرفت.
error-escalation-top = { $key } هم‌اکنون در بالاترین سطح زنجیره‌ی ارجاع است.
error-no-escalation-chain = هیچ زنجیره‌ی ارجاعی تنظیم نشده است ([[escalation.levels]]).
error-not-escalated = { $key } ارجاع نشده است.
error-no-open-handoff = برای { $key } تحویل بازی وجود ندارد که تأیید شود.

## CSM handoff
handoff-title = تحویل { $key }: { $title }
handoff-text = تحویل { $key } ({ $reason }): { $title }
handoff-reason = چرا الان: { $reason }
handoff-reason-escalated = به { $level } ارجاع شده است
handoff-reason-breach = مهلت SLA برای { $target } گذشته است
handoff-reason-urgent = تیکت فوری است
handoff-reason-manual = { $name } از شما کمک خواسته است
handoff-reason-reminder = پس از { $hours } ساعت هنوز تأیید نشده است
handoff-reason-unacknowledged = { $name } پس از { $hours } ساعت هنوز آن را تأیید نکرده است
handoff-no-csm = برای این مشتری هیچ CSM در دسترس baton نیست، پس تحویل همین‌جا ارسال شد.
handoff-note = یادداشت کارشناس: { $note }
handoff-conversation = آخرین پیام‌ها:
handoff-line-customer = • { $name } (مشتری): { $text }
handoff-line-agent = • { $name } (پشتیبانی): { $text }
handoff-field-account = مشتری
handoff-field-arr = ARR
handoff-field-renewal = تمدید
handoff-field-open-tickets = تیکت‌های باز ({ $count })
handoff-field-recent = ۳۰ روز گذشته
handoff-field-csat = آخرین CSAT
handoff-field-health = سلامت
handoff-field-age = عمر تیکت
handoff-field-thread = رشته‌ی گفتگو
handoff-renewal = { $date } ({ $days ->
    [0] امروز
   *[other] { $days } روز دیگر
})
handoff-recent = { $escalations } ارجاع، { $breaches } نقض SLA
handoff-csat = { $rating } از ۵ برای { $key }
handoff-no-csat = هنوز امتیازی ثبت نشده
handoff-health-pending = هنوز محاسبه نشده
handoff-health-reasons = سلامت: { $reasons }

## Account health
health-score = { $score } از ۱۰۰
health-score-trend = { $score } از ۱۰۰ ({ $change ->
    [0] بدون تغییر
   *[other] { $change } امتیاز
} از { $since })
health-open-tickets = { $count } تیکت باز
health-escalations = { $count } ارجاع در { $days } روز
health-breaches = { $count } نقض SLA در { $days } روز
health-reopens = { $count } تیکت بازگشایی‌شده در { $days } روز
health-unanswered = { $count } پیام مشتری در انتظار پاسخ
health-low-csat = CSAT { $average } در { $count ->
    [1] آخرین امتیاز
   *[other] { $count } امتیاز آخر
}
health-signal = { $name }: { $value }
health-renewal = { $days } روز تا تمدید
handoff-acknowledged = { $name } دریافت تحویل { $key } را تأیید کرد.
handoff-acknowledged-csm = { $name } (CSM) دریافت تحویل { $key } را تأیید کرد.
button-acknowledge = تأیید دریافت
notice-sla-warning = ⚠ { $key }: مهلت «{ $target }» تا { $due } است.
notice-sla-breached = 🔴 { $key }: مهلت «{ $target }» { $due } بود و SLA نقض شده است.
sla-first-response = اولین پاسخ
sla-next-response = پاسخ بعدی
sla-resolution = حل مشکل

## Formats
# تقویم هجری خورشیدی: ۱۴ آذر ۱۴۰۵
date = { $day } { $month ->
        [1] فروردین
        [2] اردیبهشت
        [3] خرداد
        [4] تیر
        [5] مرداد
        [6] شهریور
        [7] مهر
        [8] آبان
        [9] آذر
        [10] دی
        [11] بهمن
       *[12] اسفند
    } { $year }
# ۹:۰۵
time = { $hour }:{ $minute }
datetime = { $date }، ساعت { $time } { $zone }
# ۱ ساعت و ۱۰ دقیقه، ۲ روز و ۳ ساعت، ۴۵ دقیقه
duration = { $days ->
    [0] { $hours ->
        [0] { $minutes } دقیقه
       *[other] { $minutes ->
            [0] { $hours } ساعت
           *[other] { $hours } ساعت و { $minutes } دقیقه
        }
    }
   *[other] { $hours ->
        [0] { $days } روز
       *[other] { $days } روز و { $hours } ساعت
    }
}
# ۱۲۰٬۰۰۰ دلار: مبلغ و سپس نام ارز
money = { $currency ->
    [IRR] { $amount } ریال
    [USD] { $amount } دلار
    [EUR] { $amount } یورو
    [GBP] { $amount } پوند
    [SEK] { $amount } کرون سوئد
    [RUB] { $amount } روبل
    [THB] { $amount } بات
   *[other] { $amount } { $currency }
}
list-separator = { "، " }
clause-separator = { "؛ " }
unknown = نامشخص

## Help
help =
    دستورهای تیکت:
      /ticket <عنوان>                   ثبت تیکت در همین کانال
      /ticket open [--priority P] <عنوان>
      /ticket show [شناسه]              نمایش تیکت (در رشته‌ی گفتگوی تیکت، شناسه لازم نیست)
      /ticket claim [شناسه]             برعهده گرفتن تیکت
      /ticket assign [شناسه] @نام       سپردن تیکت به کسی
      /ticket priority [شناسه] low|normal|high|urgent
      /ticket status [شناسه] open|pending|on-hold|solved|closed
      /ticket solve [شناسه]
      /ticket tag [شناسه] +bug:slug -old  افزودن یا حذف برچسب
      /ticket tags top [فضای نام]       برچسب‌ها بر اساس تعداد مشتریان درگیر
      /ticket transcript [شناسه]        متن گفتگو
      /ticket escalate [شناسه] [دلیل]   ارجاع به سطح بالاتر
      /ticket deescalate [شناسه]        بازگرداندن به سطح پایین‌تر
      /ticket handoff [شناسه] [یادداشت]  فرستادن جزئیات برای CSM مشتری
      /ticket ack [شناسه]               تأیید دریافت تحویل (برای CSM)
      /ticket ask-close [شناسه]         پرسیدن از درخواست‌دهنده که آیا تیکت بسته شود
      /ticket panel                     گذاشتن پنل «ثبت تیکت» در این کانال
      /ticket rate [شناسه] 1-5 [نظر]    امتیاز دادن به تیکت حل‌شده (برای درخواست‌دهنده)
    برای ثبت تیکت از یک پیام، با { $emoji } به آن واکنش نشان دهید.

## Errors, sent only to the person who caused them
error-unknown-priority = «{ $value }» اولویت معتبری نیست. یکی از این‌ها را به کار ببرید: low، normal، high، urgent.
error-unknown-status = «{ $value }» وضعیت معتبری نیست. یکی از این‌ها را به کار ببرید: open، pending، on-hold، solved، closed.
error-unknown-person = کسی به نام «{ $value }» را نمی‌شناسم. او را در چت منشن کنید یا شناسه‌ی baton او را بنویسید.
error-unknown-ticket = تیکت { $key } وجود ندارد.
error-bad-key = «{ $value }» شناسه‌ی تیکت نیست. شناسه‌ها شبیه ACME-42 هستند.
error-not-in-thread = کدام تیکت؟ این دستور را در رشته‌ی گفتگوی تیکت اجرا کنید یا شناسه‌اش را بدهید، مثلاً /ticket { $command } ACME-42.
error-staff-only = فقط تیم پشتیبانی می‌تواند این کار را انجام دهد. پیام شما در تیکت ثبت شده و یکی از کارشناسان پیگیری می‌کند.
error-customer-open = در این کانال فقط تیم پشتیبانی می‌تواند تیکت ثبت کند.
error-unknown-subcommand = «{ $value }» دستور تیکت نیست. /ticket help را امتحان کنید.
error-missing-title = برای تیکت عنوانی بنویسید، مثلاً /ticket ورود با SSO کار نمی‌کند.
error-missing-argument = /ticket { $command } به { $what } نیاز دارد.
error-bad-tag = «{ $value }» برچسب معتبری نیست. برچسب‌ها از حروف، ارقام و - ساخته می‌شوند و می‌توانند فضای نام داشته باشند، مثلاً bug:login-loop.
error-bad-transition = وضعیت { $key } را نمی‌توان از «{ $from }» به «{ $to }» تغییر داد.
error-bad-title = این عنوان قابل استفاده نیست: { $reason }
error-internal = مشکلی در سمت من پیش آمد و چیزی تغییر نکرد. لطفاً دوباره امتحان کنید.
error-unknown-action = این دکمه دیگر معتبر نیست.
error-bad-rating = «{ $value }» امتیاز معتبری نیست. از ۱ (ضعیف) تا ۵ (عالی) امتیاز دهید.
error-not-open = { $key } باز نیست، پس چیزی برای تأیید وجود ندارد.
error-not-requester = فقط کسی که درخواست را داده می‌تواند به این تیکت امتیاز دهد.
error-rating-closed = { $key } بسته شده است و امتیازش دیگر تغییر نمی‌کند.

## Words used inside other messages
what-person = یک نفر (@نام)
what-priority = یک اولویت
what-status = یک وضعیت
what-tags = برچسب‌هایی برای افزودن (+برچسب) یا حذف (-برچسب)
what-rating = امتیازی از ۱ تا ۵

## Digests (scheduled summaries for managers, leads and CSMs)
digest-period = { $from } – { $to }
digest-no-data = بدون داده
digest-compare = { $now } (دوره‌ی قبل: { $before })
digest-p50-p90 = میانه { $p50 }، p90 { $p90 }
digest-ratio = { $percent }٪ ({ $part } از { $whole })
digest-csat-value = میانگین { $mean }، { $satisfied }٪ امتیاز ۴ یا ۵ ({ $count } امتیاز)
digest-nps-value = { $score } ({ $count } مشتری؛ واردشده، بدون مقایسه)
digest-unassigned = بدون مسئول
digest-late-not-running = ارسال با تأخیر: baton در { $time } در حال اجرا نبود.
digest-late-delayed = ارسال با تأخیر: موعد این گزارش { $time } بود.
digest-late-skipped = { $count } اجرای قبلی هم از دست رفته و جداگانه ارسال نمی‌شود.
digest-at-risk-title = مشتریان در معرض خطر
digest-at-risk-title-csm = { $name }، مشتریان در معرض خطر شما
digest-at-risk-text = { $count } مشتری در معرض خطر؛ ARR: { $arr }.
digest-at-risk-empty = هیچ مشتری‌ای در معرض خطر نیست.
digest-at-risk-empty-csm = { $name }، هیچ‌یک از مشتریان شما در معرض خطر نیست.
digest-at-risk-account = { $name } ({ $tier })
digest-at-risk-figures = سلامت { $health } · ARR { $arr } · تمدید { $renewal } · { $open } تیکت باز، { $escalated } ارجاع‌شده
digest-at-risk-why = چرا: { $reasons }
digest-at-risk-flags = در معرض خطر: { $flags }
digest-flag-low-score = امتیاز زیر { $below }
digest-flag-dropped = کاهش از { $from } به { $to } نسبت به { $days } روز پیش
digest-flag-renewal = تمدید تا { $days } روز دیگر، پس از نقض SLA یا ارجاع
digest-at-risk-chart = نمودار: امتیاز سلامت هر مشتری بالا، به همان ترتیب، در مقیاس ۰ تا ۱۰۰؛ خط‌چین آستانه‌ی خطر است: { $below }.
digest-team-title = شاخص‌های تیم، { $period }
digest-team-text = شاخص‌های تیم در { $period }: { $opened } تیکت باز شد، { $solved } تیکت حل شد.
digest-team-empty = در { $period } هیچ تیکتی باز، پاسخ داده، حل یا امتیازدهی نشد.
digest-team-previous = در مقایسه با دوره‌ی قبل، { $period }. زمان‌ها تقویمی‌اند و بر پایه‌ی زمان پیام‌های گفتگو محاسبه شده‌اند.
digest-field-opened = تیکت‌های بازشده
digest-field-solved = تیکت‌های حل‌شده
digest-field-frt = زمان اولین پاسخ
digest-field-resolution = زمان حل
digest-field-reopen = نرخ بازگشایی
digest-field-csat = CSAT
digest-field-nps = NPS
digest-team-by-assignee = به تفکیک مسئول (زمان‌های میانه):
digest-team-assignee = { $name }: { $solved } حل‌شده (قبلاً { $solved_before }) · اولین پاسخ { $frt } (قبلاً { $frt_before }) · حل { $resolution } (قبلاً { $resolution_before }) · CSAT { $csat } (قبلاً { $csat_before })
digest-team-chart = نمودار: زمان اولین پاسخ در هر روز طی { $days } روز گذشته، میانه (آبی) و p90 (نارنجی)، در مقیاس ۰ تا { $max }.
digest-sla-title = SLA، { $period }
digest-sla-text = { $count } نقض SLA در { $period }.
digest-sla-empty = در { $period } هیچ SLA‌ای نقض نشد.
digest-sla-breaches = نقض‌شده:
digest-sla-breach = { $key } { $title } ({ $account }): مهلت { $target } { $due } بود؛ مسئول: { $owner }
digest-sla-due-soon = در خطر نقض طی { $hours } ساعت آینده:
digest-sla-due-soon-line = { $key } { $title }: مهلت { $target } تا { $due }؛ مسئول: { $owner }
digest-sla-due-soon-none = طی { $hours } ساعت آینده هیچ موردی در خطر نقض نیست.
digest-sla-compliance = رعایت SLA به تفکیک سیاست:
digest-sla-compliance-line = { $policy }، { $target }: { $ratio }
digest-sla-no-clocks = مهلت‌های نزدیک و میزان رعایت به تفکیک سیاست در دسترس نیست: هیچ ساعت SLA پیکربندی نشده است.
digest-sla-chart = نمودار: نقض‌های SLA در هر روز طی { $days } روز گذشته، در مقیاس ۰ تا { $max }.
digest-dry-run-to = ── { $destination } ──
digest-dry-run-channel = کانال { $channel }
digest-dry-run-dm = پیام خصوصی به { $platform }:{ $user }
digest-dry-run-attachment = [پیوست { $name }: { $type }، { $bytes } بایت]
