# ข้อความภาษาไทยของ baton: id และตัวแปรเหมือน en-US/baton.ftl
# ใช้คำว่า "เคส" แทน ticket และ "ลูกค้า" แทน account ภาษาสุภาพแบบแชท ไม่ใส่ ครับ/ค่ะ
# ภาษาไทยไม่มีรูปพหูพจน์ (CLDR: other อย่างเดียว) จึงใช้ลักษณนามแทน

## Ticket card
card-title = { $key }: { $title }
card-field-status = สถานะ
card-field-priority = ระดับความสำคัญ
card-field-assignee = ผู้รับผิดชอบ
card-field-account = ลูกค้า
card-field-requester = ผู้แจ้ง
card-field-tags = แท็ก
card-field-escalation = ยกระดับไปที่
card-sla-due = ครบกำหนด { $due }
card-sla-breached = เกินกำหนดแล้ว (ครบกำหนด { $due })
card-unassigned = ยังไม่มีผู้รับผิดชอบ
card-no-account = ไม่ระบุลูกค้า
card-followup = ต่อจากเคส { $key }
card-text = เคส { $key } ({ $status }, { $priority }): { $title }

## Buttons
button-claim = รับเคสนี้
button-solve = แก้ไขแล้ว
button-urgent = ตั้งเป็นด่วน
button-reopen = เปิดเคสอีกครั้ง
button-escalate = ยกระดับ
escalate-form-title = ยกระดับเคส { $key }
escalate-form-reason = ทำไมต้องส่งต่อให้ระดับถัดไป

button-open-ticket = เปิดเคส
button-close-confirm = ใช่ ปิดเคสได้เลย
button-close-decline = ไม่ ยังต้องการความช่วยเหลืออยู่

## Intake panel
panel-title = ต้องการความช่วยเหลือไหม
panel-text = กด “เปิดเคส” แล้วเล่าให้เราฟังว่าเกิดอะไรขึ้น ทีมซัพพอร์ตจะตอบในเธรดของเคส
panel-form-title = เปิดเคสใหม่
panel-form-submit = เปิดเคส
panel-field-title = ปัญหาคืออะไร (สั้น ๆ)
panel-field-description = รายละเอียด (สิ่งที่คาดไว้ สิ่งที่เกิดขึ้น และเริ่มเกิดตั้งแต่เมื่อไร)
panel-field-priority = เร่งด่วนแค่ไหน

## Closing
close-request = ปัญหาใน { $key } ได้รับการแก้ไขแล้วหรือยัง ถ้าแก้แล้วเราจะปิดเคสนี้ ถ้ายัง บอกเราได้เลยว่ายังติดอะไรอยู่
pending-reminder = { $key } กำลังรอคำตอบจากคุณ หากเราไม่ได้รับคำตอบ เคสนี้จะถูกทำเครื่องหมายว่าแก้ไขแล้วในอีก { $days } วัน

## Status and priority names
status-new = ใหม่
status-open = เปิดอยู่
status-pending = รอลูกค้าตอบกลับ
status-on-hold = พักไว้
status-solved = แก้ไขแล้ว
status-closed = ปิดแล้ว
priority-low = ต่ำ
priority-normal = ปกติ
priority-high = สูง
priority-urgent = ด่วน

## Lifecycle notices posted in the ticket thread
notice-claimed = { $name } รับเคส { $key } แล้ว
notice-assigned = มอบหมาย { $key } ให้ { $name } แล้ว
notice-unassigned = { $key } ไม่มีผู้รับผิดชอบแล้ว
notice-status = สถานะของ { $key }: { $status }
notice-priority = ระดับความสำคัญของ { $key }: { $priority }
notice-tags = แท็กของ { $key }: { $tags }
notice-reopened = เปิด { $key } อีกครั้งเพราะลูกค้าตอบกลับมา
notice-followup = การสนทนานี้แก้ไขไปสักพักแล้ว จึงเปิดเคส { $key } เพื่อติดตามต่อ
notice-already-ticket = ข้อความนี้เป็นเคส { $key } อยู่แล้ว
notice-close-declined = ลูกค้ายังต้องการความช่วยเหลือเรื่อง { $key } เคสจึงยังเปิดอยู่
notice-auto-solved = { $key } ถูกทำเครื่องหมายว่าแก้ไขแล้วเพราะเราไม่ได้รับคำตอบ หากต้องการเปิดเคสอีกครั้ง ตอบกลับที่นี่ได้เลย
notice-auto-closed = ปิด { $key } แล้ว

## Tag reach
tags-top-title = แท็กเรียงตามจำนวนลูกค้าที่ได้รับผลกระทบ
tags-top-line = { $tag }: ลูกค้า { $count } ราย
tags-top-empty = ยังไม่มีเคสที่ติดแท็ก
tags-none = ไม่มี

## CSAT
csat-ask = เราดูแลเรื่อง { $key } เป็นอย่างไรบ้าง ให้คะแนนเราได้ตั้งแต่ 1 (แย่) ถึง 5 (ยอดเยี่ยม)
csat-button = { $rating }
csat-thanks = ขอบคุณ! คุณให้คะแนน { $key } { $rating }/5
csat-changed = ขอบคุณ คะแนนของคุณสำหรับ { $key } เปลี่ยนเป็น { $rating }/5 แล้ว

## Transcript
transcript-posted = แนบบันทึกการสนทนาของ { $key } ({ $count } ข้อความ) ไว้แล้ว
transcript-title = บันทึกการสนทนาของ { $key }: { $title }
transcript-line = [{ $time }] { $name }: { $text }
transcript-empty = (ยังไม่มีข้อความ)

## Escalation
escalation-title = { $key } ยกระดับไปที่ { $level } (ระดับ { $number }): { $title }
escalation-account = ลูกค้า: { $account }
escalation-by = ยกระดับโดย: { $name }
escalation-by-baton = baton (อัตโนมัติ)
escalation-reason = เหตุผล: { $reason }
escalation-thread = การสนทนา: { $thread }
escalation-ping = ถึง: { $names }
escalation-left = { $key } ไม่ได้อยู่ที่ { $level } แล้ว
escalation-solved = { $key } แก้ไขแล้ว { $level } ไม่ต้องดำเนินการเพิ่ม
notice-escalated = ยกระดับ { $key } ไปที่ { $level } แล้ว
notice-deescalated = ลดระดับ { $key } กลับแล้ว
notice-handoff-sent = CSM ของลูกค้าได้รับข้อมูลของ { $key } ครบแล้ว
error-escalation-top = { $key } อยู่ที่ระดับสูงสุดของสายการยกระดับแล้ว
error-no-escalation-chain = ยังไม่ได้ตั้งค่าสายการยกระดับ ([[escalation.levels]])
error-not-escalated = { $key } ยังไม่ได้ถูกยกระดับ
error-no-open-handoff = ไม่มีการส่งต่อของ { $key } ที่รอการรับทราบ

## CSM handoff
handoff-title = ส่งต่อ { $key }: { $title }
handoff-text = ส่งต่อ { $key } ({ $reason }): { $title }
handoff-reason = ทำไมต้องตอนนี้: { $reason }
handoff-reason-escalated = ยกระดับไปที่ { $level }
handoff-reason-breach = เกินเวลา SLA สำหรับ{ $target }
handoff-reason-urgent = เคสนี้ด่วน
handoff-reason-manual = { $name } ขอให้คุณช่วย
handoff-reason-reminder = ยังไม่มีใครรับทราบหลังผ่านไป { $hours } ชั่วโมง
handoff-reason-unacknowledged = { $name } ยังไม่รับทราบภายใน { $hours } ชั่วโมง
handoff-no-csm = ลูกค้ารายนี้ไม่มี CSM ที่ baton ติดต่อได้ จึงโพสต์การส่งต่อไว้ที่นี่
handoff-note = บันทึกจากเจ้าหน้าที่: { $note }
handoff-conversation = ข้อความล่าสุด:
handoff-line-customer = • { $name } (ลูกค้า): { $text }
handoff-line-agent = • { $name } (ซัพพอร์ต): { $text }
handoff-field-account = ลูกค้า
handoff-field-arr = ARR
handoff-field-renewal = ต่อสัญญา
handoff-field-open-tickets = เคสที่เปิดอยู่ ({ $count })
handoff-field-recent = 30 วันล่าสุด
handoff-field-csat = CSAT ล่าสุด
handoff-field-health = สุขภาพบัญชี
handoff-field-age = เปิดมาแล้ว
handoff-field-thread = เธรด
handoff-renewal = { $date } ({ $days ->
    [0] วันนี้
   *[other] อีก { $days } วัน
})
handoff-recent = ยกระดับ { $escalations } ครั้ง เกิน SLA { $breaches } ครั้ง
handoff-csat = { $rating }/5 ใน { $key }
handoff-no-csat = ยังไม่มีคะแนน
handoff-health-pending = ยังไม่ได้คำนวณ
handoff-health-reasons = สุขภาพบัญชี: { $reasons }

## Account health
health-score = { $score }/100
health-score-trend = { $score }/100 ({ $change ->
    [0] ไม่เปลี่ยนแปลง
   *[other] { $change } คะแนน
} นับจาก { $since })
health-open-tickets = เคสที่เปิดอยู่ { $count } เคส
health-escalations = ยกระดับ { $count } ครั้งใน { $days } วัน
health-breaches = เกิน SLA { $count } ครั้งใน { $days } วัน
health-reopens = เปิดเคสซ้ำ { $count } เคสใน { $days } วัน
health-unanswered = ข้อความจากลูกค้า { $count } ข้อความยังรอการตอบกลับ
health-low-csat = CSAT { $average } จาก{ $count ->
    [1] คะแนนล่าสุด
   *[other] { $count } คะแนนล่าสุด
}
health-signal = { $name } เท่ากับ { $value }
health-renewal = ต่อสัญญาในอีก { $days } วัน
handoff-acknowledged = { $name } รับทราบการส่งต่อ { $key } แล้ว
handoff-acknowledged-csm = { $name } (CSM) รับทราบการส่งต่อ { $key } แล้ว
button-acknowledge = รับทราบ
notice-sla-warning = ⚠ { $key }: SLA สำหรับ{ $target }จะครบกำหนด { $due }
notice-sla-breached = 🔴 { $key }: SLA สำหรับ{ $target }ครบกำหนดเมื่อ { $due } และเกินกำหนดแล้ว
sla-first-response = การตอบครั้งแรก
sla-next-response = การตอบครั้งถัดไป
sla-resolution = การแก้ไขปัญหา

## Formats
# 5 ธ.ค. 2569 (ปีพุทธศักราช)
date = { $day } { $month ->
        [1] ม.ค.
        [2] ก.พ.
        [3] มี.ค.
        [4] เม.ย.
        [5] พ.ค.
        [6] มิ.ย.
        [7] ก.ค.
        [8] ส.ค.
        [9] ก.ย.
        [10] ต.ค.
        [11] พ.ย.
       *[12] ธ.ค.
    } { $year }
# 09:05 น.
time = { $hour2 }:{ $minute } น.
datetime = { $date } { $time } { $zone }
# 1 ชม. 10 นาที, 2 วัน 3 ชม., 45 นาที
duration = { $days ->
    [0] { $hours ->
        [0] { $minutes } นาที
       *[other] { $minutes ->
            [0] { $hours } ชม.
           *[other] { $hours } ชม. { $minutes } นาที
        }
    }
   *[other] { $hours ->
        [0] { $days } วัน
       *[other] { $days } วัน { $hours } ชม.
    }
}
# ฿120,000, US$120,000
money = { $currency ->
    [THB] ฿{ $amount }
    [USD] US${ $amount }
    [EUR] €{ $amount }
   *[other] { $currency }{ -nbsp }{ $amount }
}
list-separator = { ", " }
clause-separator = { ", " }
unknown = ไม่ทราบ

-nbsp = { "\u00A0" }

## Help
help =
    คำสั่งสำหรับเคส:
      /ticket <หัวข้อ>                  เปิดเคสในช่องนี้
      /ticket open [--priority P] <หัวข้อ>
      /ticket show [รหัส]               ดูเคส (ถ้าอยู่ในเธรดของเคส ไม่ต้องใส่รหัส)
      /ticket claim [รหัส]              รับเคสไว้ดูแลเอง
      /ticket assign [รหัส] @ชื่อ       มอบหมายเคสให้คนอื่น
      /ticket priority [รหัส] low|normal|high|urgent
      /ticket status [รหัส] open|pending|on-hold|solved|closed
      /ticket solve [รหัส]
      /ticket tag [รหัส] +bug:slug -old  เพิ่มหรือลบแท็ก
      /ticket tags top [เนมสเปซ]        แท็กเรียงตามจำนวนลูกค้าที่ได้รับผลกระทบ
      /ticket transcript [รหัส]         บันทึกการสนทนาเป็นข้อความ
      /ticket escalate [รหัส] [เหตุผล]  ยกระดับขึ้นไปอีกขั้น
      /ticket deescalate [รหัส]         ลดระดับกลับลงมา
      /ticket handoff [รหัส] [บันทึก]   ส่งข้อมูลเคสให้ CSM ของลูกค้า
      /ticket ack [รหัส]                รับทราบการส่งต่อ (สำหรับ CSM)
      /ticket ask-close [รหัส]          ถามผู้แจ้งว่าปิดเคสได้หรือยัง
      /ticket panel                     โพสต์แผง “เปิดเคส” ในช่องนี้
      /ticket rate [รหัส] 1-5 [ความเห็น]  ให้คะแนนเคสที่แก้ไขแล้ว (สำหรับผู้แจ้ง)
    กดอีโมจิ { $emoji } ที่ข้อความใดก็ได้เพื่อเปิดเคสจากข้อความนั้น

## Errors, sent only to the person who caused them
error-unknown-priority = “{ $value }” ไม่ใช่ระดับความสำคัญ ใช้ได้เฉพาะ low, normal, high หรือ urgent
error-unknown-status = “{ $value }” ไม่ใช่สถานะ ใช้ได้เฉพาะ open, pending, on-hold, solved หรือ closed
error-unknown-person = ไม่พบใครชื่อ “{ $value }” ให้แท็กชื่อในแชทหรือใช้ baton id ของคนนั้น
error-unknown-ticket = ไม่พบเคส { $key }
error-bad-key = “{ $value }” ไม่ใช่รหัสเคส รหัสเคสมีรูปแบบเช่น ACME-42
error-not-in-thread = เคสไหน? ใช้คำสั่งนี้ในเธรดของเคส หรือระบุรหัสเคส เช่น /ticket { $command } ACME-42
error-staff-only = คำสั่งนี้ใช้ได้เฉพาะทีมซัพพอร์ต ข้อความของคุณบันทึกไว้ในเคสแล้ว และเจ้าหน้าที่จะติดต่อกลับ
error-customer-open = ในช่องนี้ เฉพาะทีมซัพพอร์ตเท่านั้นที่เปิดเคสได้
error-unknown-subcommand = “{ $value }” ไม่ใช่คำสั่งของเคส ลองพิมพ์ /ticket help
error-missing-title = ตั้งหัวข้อให้เคสด้วย เช่น /ticket เข้าสู่ระบบผ่าน SSO ไม่ได้
error-missing-argument = /ticket { $command } ต้องระบุ{ $what }
error-bad-tag = “{ $value }” ไม่ใช่แท็กที่ใช้ได้ แท็กประกอบด้วยตัวอักษร ตัวเลข และ - โดยมีเนมสเปซนำหน้าได้ เช่น bug:login-loop
error-bad-transition = เปลี่ยนสถานะของ { $key } จาก “{ $from }” เป็น “{ $to }” ไม่ได้
error-bad-title = ใช้หัวข้อนี้ไม่ได้: { $reason }
error-internal = เกิดข้อผิดพลาดในระบบ ยังไม่มีอะไรถูกเปลี่ยนแปลง กรุณาลองอีกครั้ง
error-unknown-action = ปุ่มนี้ใช้ไม่ได้แล้ว
error-bad-rating = “{ $value }” ไม่ใช่คะแนน ให้คะแนนได้ตั้งแต่ 1 (แย่) ถึง 5 (ยอดเยี่ยม)
error-not-open = { $key } ไม่ได้เปิดอยู่ จึงไม่มีอะไรต้องยืนยัน
error-not-requester = เฉพาะผู้แจ้งเท่านั้นที่ให้คะแนนเคสนี้ได้
error-rating-closed = { $key } ปิดแล้ว จึงเปลี่ยนคะแนนไม่ได้อีก

## Words used inside other messages
what-person = ผู้ใช้ (@ชื่อ)
what-priority = ระดับความสำคัญ
what-status = สถานะ
what-tags = แท็กที่จะเพิ่ม (+แท็ก) หรือลบ (-แท็ก)
what-rating = คะแนนตั้งแต่ 1 ถึง 5

## Digests (scheduled summaries for managers, leads and CSMs)
digest-period = { $from } – { $to }
digest-no-data = ไม่มีข้อมูล
digest-compare = { $now } (ช่วงก่อนหน้า: { $before })
digest-p50-p90 = มัธยฐาน { $p50 }, p90 { $p90 }
digest-ratio = { $percent }% ({ $part } จาก { $whole })
digest-csat-value = เฉลี่ย { $mean }, ได้ 4–5 คะแนน { $satisfied }% (ประเมิน { $count } ครั้ง)
digest-nps-value = { $score } (ลูกค้า { $count } ราย; ข้อมูลนำเข้า ไม่มีการเปรียบเทียบ)
digest-unassigned = ยังไม่มีผู้รับผิดชอบ
digest-late-not-running = ส่งล่าช้า: baton ไม่ได้ทำงานอยู่เมื่อ { $time }
digest-late-delayed = ส่งล่าช้า: สรุปนี้ควรส่งเมื่อ { $time }
digest-late-skipped = รอบก่อนหน้านี้พลาดไปอีก { $count } รอบ และจะไม่ส่งแยก
digest-at-risk-title = ลูกค้าที่มีความเสี่ยง
digest-at-risk-title-csm = { $name }: ลูกค้าที่มีความเสี่ยงของคุณ
digest-at-risk-text = มีลูกค้า { $count } รายที่มีความเสี่ยง ARR รวม { $arr }
digest-at-risk-empty = ไม่มีลูกค้าที่มีความเสี่ยง
digest-at-risk-empty-csm = { $name }: ลูกค้าของคุณไม่มีรายใดที่มีความเสี่ยง
digest-at-risk-account = { $name } ({ $tier })
digest-at-risk-figures = สุขภาพบัญชี { $health } · ARR { $arr } · ต่อสัญญา { $renewal } · เคสที่เปิดอยู่ { $open } เคส ยกระดับแล้ว { $escalated } เคส
digest-at-risk-why = สาเหตุ: { $reasons }
digest-at-risk-flags = ความเสี่ยง: { $flags }
digest-flag-low-score = คะแนนต่ำกว่า { $below }
digest-flag-dropped = ลดลงจาก { $from } เหลือ { $to } เมื่อเทียบกับ { $days } วันก่อน
digest-flag-renewal = จะต่อสัญญาในอีก { $days } วัน หลังจากเกิน SLA หรือมีการยกระดับ
digest-at-risk-chart = แผนภูมิ: คะแนนสุขภาพบัญชีของลูกค้าแต่ละรายข้างต้นตามลำดับ ในสเกล 0–100 เส้นประคือเกณฑ์ความเสี่ยง ({ $below })
digest-team-title = ตัวชี้วัดของทีม { $period }
digest-team-text = ตัวชี้วัดของทีมช่วง { $period }: เปิดใหม่ { $opened } เคส แก้ไขแล้ว { $solved } เคส
digest-team-empty = ช่วง { $period } ไม่มีเคสที่เปิดใหม่ ตอบกลับ แก้ไข หรือได้รับคะแนนเลย
digest-team-previous = เทียบกับช่วงก่อนหน้า { $period } เวลาทั้งหมดเป็นเวลาตามปฏิทิน นับจากเวลาของข้อความในแชต
digest-field-opened = เคสที่เปิดใหม่
digest-field-solved = เคสที่แก้ไขแล้ว
digest-field-frt = เวลาตอบครั้งแรก
digest-field-resolution = เวลาแก้ไขปัญหา
digest-field-reopen = อัตราการเปิดเคสซ้ำ
digest-field-csat = CSAT
digest-field-nps = NPS
digest-team-by-assignee = แยกตามผู้รับผิดชอบ (ค่ามัธยฐาน):
digest-team-assignee = { $name }: แก้ไขแล้ว { $solved } เคส (ก่อนหน้า { $solved_before }) · ตอบครั้งแรก { $frt } (ก่อนหน้า { $frt_before }) · แก้ไขปัญหา { $resolution } (ก่อนหน้า { $resolution_before }) · CSAT { $csat } (ก่อนหน้า { $csat_before })
digest-team-chart = แผนภูมิ: เวลาตอบครั้งแรกรายวันในช่วง { $days } วันล่าสุด ค่ามัธยฐาน (สีน้ำเงิน) และ p90 (สีส้ม) ในสเกล 0–{ $max }
digest-sla-title = SLA { $period }
digest-sla-text = เกิน SLA { $count } ครั้งในช่วง { $period }
digest-sla-empty = ไม่มีการเกิน SLA ในช่วง { $period }
digest-sla-breaches = เกินกำหนดแล้ว:
digest-sla-breach = { $key } { $title } ({ $account }): { $target } ครบกำหนดเมื่อ { $due } ผู้รับผิดชอบ: { $owner }
digest-sla-due-soon = ใกล้เกินกำหนดภายใน { $hours } ชั่วโมงข้างหน้า:
digest-sla-due-soon-line = { $key } { $title }: { $target } ครบกำหนด { $due } ผู้รับผิดชอบ: { $owner }
digest-sla-due-soon-none = ไม่มีเคสที่จะเกินกำหนดภายใน { $hours } ชั่วโมงข้างหน้า
digest-sla-compliance = การปฏิบัติตาม SLA แยกตามนโยบาย:
digest-sla-compliance-line = { $policy }, { $target }: { $ratio }
digest-sla-no-clocks = แสดงเป้าหมายที่ใกล้ครบกำหนดและการปฏิบัติตามแยกตามนโยบายไม่ได้ เพราะยังไม่ได้ตั้งค่านาฬิกา SLA
digest-sla-chart = แผนภูมิ: จำนวนครั้งที่เกิน SLA รายวันในช่วง { $days } วันล่าสุด ในสเกล 0–{ $max }
digest-dry-run-to = ── { $destination } ──
digest-dry-run-channel = ช่อง { $channel }
digest-dry-run-dm = ข้อความส่วนตัวถึง { $platform }:{ $user }
digest-dry-run-attachment = [ไฟล์แนบ { $name }: { $type }, { $bytes } ไบต์]
