# Русские сообщения baton. Те же id и плейсхолдеры, что в en-US/baton.ftl.
# Клиенту пишем «обращение» и на «вы»; account — «клиент». Формы множественного числа
# по CLDR: one (1, 21…), few (2–4, 22…), many (0, 5–20, 25…), other (дроби). В [one]
# всегда пишем число переменной, а не «1»: эта форма нужна и для 21, 31…
# Избегаем прошедшего времени с именем ({ $name } взял/взяла): пол неизвестен.

## Ticket card
card-title = { $key }: { $title }
card-field-status = Статус
card-field-priority = Приоритет
card-field-assignee = Исполнитель
card-field-account = Клиент
card-field-requester = Заявитель
card-field-tags = Теги
card-field-escalation = Эскалация
card-sla-due = до { $due }
card-sla-breached = нарушено (срок был { $due })
card-unassigned = Не назначен
card-no-account = Клиент не указан
card-followup = Продолжение { $key }
card-text = Обращение { $key } ({ $status }, { $priority }): { $title }

## Buttons
button-claim = Взять в работу
button-solve = Решено
button-urgent = Сделать срочным
button-reopen = Открыть снова
button-escalate = Эскалировать
escalate-form-title = Эскалация { $key }
escalate-form-reason = Почему нужен следующий уровень?

button-open-ticket = Создать обращение
button-close-confirm = Да, закрывайте
button-close-decline = Нет, мне ещё нужна помощь

## Intake panel
panel-title = Нужна помощь?
panel-text = Нажмите «Создать обращение» и расскажите, что случилось. Команда поддержки ответит в ветке обращения.
panel-form-title = Новое обращение
panel-form-submit = Создать обращение
panel-field-title = В чём проблема, в двух словах?
panel-field-description = Подробности (что ожидали, что произошло, с какого момента)
panel-field-priority = Насколько это срочно?

## Closing
close-request = Вопрос по { $key } решён? Если да, мы закроем обращение; если нет, напишите, что ещё не так.
pending-reminder = Обращение { $key } ждёт вашего ответа. Если вы не ответите, через { $days ->
    [one] { $days } день
    [few] { $days } дня
    [many] { $days } дней
   *[other] { $days } дня
} мы отметим его как решённое.

## Status and priority names
status-new = новое
status-open = открыто
status-pending = ждёт ответа клиента
status-on-hold = отложено
status-solved = решено
status-closed = закрыто
priority-low = низкий
priority-normal = обычный
priority-high = высокий
priority-urgent = срочный

## Lifecycle notices posted in the ticket thread
notice-claimed = { $key } взято в работу, исполнитель: { $name }.
notice-assigned = Новый исполнитель { $key }: { $name }.
notice-unassigned = У { $key } больше нет исполнителя.
notice-status = Статус { $key }: { $status }.
notice-priority = Приоритет { $key }: { $priority }.
notice-tags = Теги { $key }: { $tags }
notice-reopened = Обращение { $key } снова открыто: клиент ответил.
notice-followup = Это обращение было решено довольно давно, поэтому для продолжения открыто новое — { $key }.
notice-already-ticket = Это сообщение уже оформлено как обращение { $key }.
notice-close-declined = Клиенту ещё нужна помощь по { $key }, обращение остаётся открытым.
notice-auto-solved = Обращение { $key } отмечено как решённое: мы не получили ответа. Чтобы открыть его снова, просто ответьте здесь.
notice-auto-closed = Обращение { $key } закрыто.

## Tag reach
tags-top-title = Теги по числу затронутых клиентов
tags-top-line = { $tag }: { $count ->
    [one] { $count } клиент
    [few] { $count } клиента
    [many] { $count } клиентов
   *[other] { $count } клиента
}
tags-top-empty = Обращений с тегами пока нет.
tags-none = нет

## CSAT
csat-ask = Как мы справились с { $key }? Оцените нас от 1 (плохо) до 5 (отлично).
csat-button = { $rating }
csat-thanks = Спасибо! Ваша оценка { $key }: { $rating }/5.
csat-changed = Спасибо, теперь ваша оценка { $key }: { $rating }/5.

## Transcript
transcript-posted = Переписка по { $key } ({ $count ->
    [one] { $count } сообщение
    [few] { $count } сообщения
    [many] { $count } сообщений
   *[other] { $count } сообщения
}) во вложении.
transcript-title = Переписка по { $key }: { $title }
transcript-line = [{ $time }] { $name }: { $text }
transcript-empty = (сообщений пока нет)

## Escalation
escalation-title = { $key } эскалировано на уровень { $number } ({ $level }): { $title }
escalation-account = Клиент: { $account }
escalation-by = Инициатор: { $name }
escalation-by-baton = baton (автоматически)
escalation-reason = Причина: { $reason }
escalation-thread = Переписка: { $thread }
escalation-ping = Для: { $names }
escalation-left = { $key } больше не на уровне «{ $level }».
escalation-solved = { $key } решено, от уровня «{ $level }» больше ничего не требуется.
notice-escalated = { $key } эскалировано на уровень «{ $level }».
notice-deescalated = Эскалация { $key } снята.
notice-handoff-sent = CSM клиента получил весь контекст по { $key }.
error-escalation-top = { $key } уже на верхнем уровне эскалации.
error-no-escalation-chain = Цепочка эскалации не настроена ([[escalation.levels]]).
error-not-escalated = { $key } не эскалировано.
error-no-open-handoff = По { $key } нет открытой передачи, которую нужно подтвердить.

## CSM handoff
handoff-title = Передача { $key }: { $title }
handoff-text = Передача { $key } ({ $reason }): { $title }
handoff-reason = Почему сейчас: { $reason }
handoff-reason-escalated = эскалировано на уровень «{ $level }»
handoff-reason-breach = SLA «{ $target }» нарушен
handoff-reason-urgent = обращение срочное
handoff-reason-manual = { $name } просит вашей помощи
handoff-reason-reminder = всё ещё не подтверждено спустя { $hours ->
    [one] { $hours } час
    [few] { $hours } часа
    [many] { $hours } часов
   *[other] { $hours } часа
}
handoff-reason-unacknowledged = { $name } не подтверждает передачу уже { $hours ->
    [one] { $hours } час
    [few] { $hours } часа
    [many] { $hours } часов
   *[other] { $hours } часа
}
handoff-no-csm = У клиента нет CSM, до которого baton может достучаться, поэтому передача опубликована здесь.
handoff-note = Комментарий агента: { $note }
handoff-conversation = Последние сообщения:
handoff-line-customer = • { $name } (клиент): { $text }
handoff-line-agent = • { $name } (поддержка): { $text }
handoff-field-account = Клиент
handoff-field-arr = ARR
handoff-field-renewal = Продление
handoff-field-open-tickets = Открытые обращения ({ $count })
handoff-field-recent = За 30 дней
handoff-field-csat = Последний CSAT
handoff-field-health = Здоровье
handoff-field-age = С момента открытия
handoff-field-thread = Ветка
handoff-renewal = { $date } ({ $days ->
    [0] сегодня
    [one] через { $days } день
    [few] через { $days } дня
    [many] через { $days } дней
   *[other] через { $days } дня
})
handoff-recent = { $escalations ->
    [one] { $escalations } эскалация
    [few] { $escalations } эскалации
    [many] { $escalations } эскалаций
   *[other] { $escalations } эскалации
}, { $breaches ->
    [one] { $breaches } нарушение SLA
    [few] { $breaches } нарушения SLA
    [many] { $breaches } нарушений SLA
   *[other] { $breaches } нарушения SLA
}
handoff-csat = { $rating }/5 по { $key }
handoff-no-csat = оценок пока нет
handoff-health-pending = ещё не рассчитано
handoff-health-reasons = Здоровье: { $reasons }

## Account health
health-score = { $score }/100
health-score-trend = { $score }/100 ({ $change ->
    [0] без изменений
    [one] { $change } балл
    [few] { $change } балла
    [many] { $change } баллов
   *[other] { $change } балла
} с { $since })
health-open-tickets = { $count ->
    [one] { $count } открытое обращение
    [few] { $count } открытых обращения
    [many] { $count } открытых обращений
   *[other] { $count } открытого обращения
}
health-escalations = { $count ->
    [one] { $count } эскалация
    [few] { $count } эскалации
    [many] { $count } эскалаций
   *[other] { $count } эскалации
} за { $days ->
    [one] { $days } день
    [few] { $days } дня
    [many] { $days } дней
   *[other] { $days } дня
}
health-breaches = { $count ->
    [one] { $count } нарушение SLA
    [few] { $count } нарушения SLA
    [many] { $count } нарушений SLA
   *[other] { $count } нарушения SLA
} за { $days ->
    [one] { $days } день
    [few] { $days } дня
    [many] { $days } дней
   *[other] { $days } дня
}
health-reopens = { $count ->
    [one] { $count } повторно открытое обращение
    [few] { $count } повторно открытых обращения
    [many] { $count } повторно открытых обращений
   *[other] { $count } повторно открытого обращения
} за { $days ->
    [one] { $days } день
    [few] { $days } дня
    [many] { $days } дней
   *[other] { $days } дня
}
health-unanswered = { $count ->
    [one] { $count } сообщение клиента ждёт ответа
    [few] { $count } сообщения клиента ждут ответа
    [many] { $count } сообщений клиента ждут ответа
   *[other] { $count } сообщения клиента ждут ответа
}
health-low-csat = CSAT { $average } по { $count ->
    [1] последней оценке
    [one] последней { $count } оценке
    [few] последним { $count } оценкам
    [many] последним { $count } оценкам
   *[other] последним { $count } оценки
}
health-signal = { $name }: { $value }
health-renewal = продление через { $days ->
    [one] { $days } день
    [few] { $days } дня
    [many] { $days } дней
   *[other] { $days } дня
}
handoff-acknowledged = Передача { $key } подтверждена: { $name }.
handoff-acknowledged-csm = Передача { $key } подтверждена: { $name } (CSM).
button-acknowledge = Подтвердить
notice-sla-warning = ⚠ { $key }: срок SLA «{ $target }» истекает { $due }.
notice-sla-breached = 🔴 { $key }: срок SLA «{ $target }» истёк { $due }, SLA нарушен.
sla-first-response = первый ответ
sla-next-response = следующий ответ
sla-resolution = решение

## Formats
# 5 дек. 2026 г. (месяц в родительном падеже)
date = { $day } { $month ->
        [1] янв.
        [2] февр.
        [3] мар.
        [4] апр.
        [5] мая
        [6] июн.
        [7] июл.
        [8] авг.
        [9] сент.
        [10] окт.
        [11] нояб.
       *[12] дек.
    } { $year } г.
# 09:05
time = { $hour2 }:{ $minute }
datetime = { $date }, { $time } { $zone }
# 1 ч 10 мин, 2 дн. 3 ч, 45 мин
duration = { $days ->
    [0] { $hours ->
        [0] { $minutes } мин
       *[other] { $minutes ->
            [0] { $hours } ч
           *[other] { $hours } ч { $minutes } мин
        }
    }
   *[other] { $hours ->
        [0] { $days } дн.
       *[other] { $days } дн. { $hours } ч
    }
}
# 120 000 ₽, 120 000 $ (неразрывный пробел перед валютой)
money = { $currency ->
    [RUB] { $amount }{ -nbsp }₽
    [USD] { $amount }{ -nbsp }$
    [EUR] { $amount }{ -nbsp }€
   *[other] { $amount }{ -nbsp }{ $currency }
}
list-separator = { ", " }
clause-separator = { "; " }
unknown = неизвестно

-nbsp = { "\u00A0" }

## Help
help =
    Команды для обращений:
      /ticket <заголовок>               создать обращение здесь
      /ticket open [--priority P] <заголовок>
      /ticket show [НОМЕР]              показать обращение (в его ветке номер не нужен)
      /ticket claim [НОМЕР]             взять в работу
      /ticket assign [НОМЕР] @человек   назначить исполнителя
      /ticket priority [НОМЕР] low|normal|high|urgent
      /ticket status [НОМЕР] open|pending|on-hold|solved|closed
      /ticket solve [НОМЕР]
      /ticket tag [НОМЕР] +bug:slug -old  добавить или убрать теги
      /ticket tags top [пространство]   теги по числу затронутых клиентов
      /ticket transcript [НОМЕР]        переписка текстом
      /ticket escalate [НОМЕР] [причина]  поднять на следующий уровень эскалации
      /ticket deescalate [НОМЕР]        вернуть на уровень ниже
      /ticket handoff [НОМЕР] [заметка]  передать контекст CSM клиента
      /ticket ack [НОМЕР]               подтвердить передачу (для CSM)
      /ticket ask-close [НОМЕР]         спросить заявителя, можно ли закрыть
      /ticket panel                     разместить в канале панель «Создать обращение»
      /ticket rate [НОМЕР] 1-5 [отзыв]  оценить решённое обращение (для заявителя)
    Поставьте { $emoji } на сообщение, чтобы создать из него обращение.

## Errors, sent only to the person who caused them
error-unknown-priority = «{ $value }» — не приоритет. Используйте low, normal, high или urgent.
error-unknown-status = «{ $value }» — не статус. Используйте open, pending, on-hold, solved или closed.
error-unknown-person = Я не знаю никого по имени «{ $value }». Упомяните человека в чате или укажите его baton id.
error-unknown-ticket = Обращение { $key } не найдено.
error-bad-key = «{ $value }» — не номер обращения. Номера выглядят так: ACME-42.
error-not-in-thread = Какое обращение? Выполните команду в ветке обращения или укажите номер, например /ticket { $command } ACME-42.
error-staff-only = Это может сделать только команда поддержки. Ваше сообщение сохранено в обращении, специалист скоро ответит.
error-customer-open = В этом канале создавать обращения может только команда поддержки.
error-unknown-subcommand = «{ $value }» — нет такой команды. Попробуйте /ticket help.
error-missing-title = Укажите заголовок обращения, например /ticket Не работает вход через SSO.
error-missing-argument = Для /ticket { $command } нужно указать { $what }.
error-bad-tag = «{ $value }» — недопустимый тег. В тегах можно использовать буквы, цифры, - и необязательное пространство имён, например bug:login-loop.
error-bad-transition = Статус { $key } нельзя сменить с «{ $from }» на «{ $to }».
error-bad-title = Этот заголовок не подходит: { $reason }
error-internal = У меня что-то пошло не так, ничего не изменено. Попробуйте ещё раз.
error-unknown-action = Эта кнопка больше не действует.
error-bad-rating = «{ $value }» — не оценка. Оцените от 1 (плохо) до 5 (отлично).
error-not-open = { $key } не открыто, подтверждать нечего.
error-not-requester = Оценить это обращение может только его автор.
error-rating-closed = { $key } закрыто, оценку больше нельзя изменить.

## Words used inside other messages
what-person = человека (@имя)
what-priority = приоритет
what-status = статус
what-tags = теги для добавления (+тег) или удаления (-тег)
what-rating = оценку от 1 до 5

## Digests (scheduled summaries for managers, leads and CSMs)
digest-period = { $from } – { $to }
digest-no-data = нет данных
digest-compare = { $now } (в прошлом периоде: { $before })
digest-p50-p90 = медиана { $p50 }, p90 { $p90 }
digest-ratio = { $percent }{ -nbsp }% ({ $part } из { $whole })
digest-csat-value = в среднем { $mean }, { $satisfied }{ -nbsp }% оценок 4–5 ({ $count ->
    [one] { $count } оценка
    [few] { $count } оценки
    [many] { $count } оценок
   *[other] { $count } оценки
})
digest-nps-value = { $score } ({ $count ->
    [one] { $count } клиент
    [few] { $count } клиента
    [many] { $count } клиентов
   *[other] { $count } клиента
}; импортировано, без сравнения)
digest-unassigned = Не назначен
digest-late-not-running = Отправлено с опозданием: в плановое время ({ $time }) baton не работал.
digest-late-delayed = Отправлено с опозданием: плановое время этой сводки — { $time }.
digest-late-skipped = { $count ->
    [one] Ещё { $count } более ранний запуск пропущен и отдельно не отправляется.
    [few] Ещё { $count } более ранних запуска пропущены и отдельно не отправляются.
    [many] Ещё { $count } более ранних запусков пропущены и отдельно не отправляются.
   *[other] Ещё { $count } более раннего запуска пропущены и отдельно не отправляются.
}
digest-at-risk-title = Клиенты в зоне риска
digest-at-risk-title-csm = { $name }, ваши клиенты в зоне риска
digest-at-risk-text = { $count ->
    [one] { $count } клиент в зоне риска
    [few] { $count } клиента в зоне риска
    [many] { $count } клиентов в зоне риска
   *[other] { $count } клиента в зоне риска
}, ARR: { $arr }.
digest-at-risk-empty = Клиентов в зоне риска нет.
digest-at-risk-empty-csm = { $name }, никто из ваших клиентов не в зоне риска.
digest-at-risk-account = { $name } ({ $tier })
digest-at-risk-figures = Здоровье { $health } · ARR { $arr } · продление { $renewal } · { $open ->
    [one] { $open } открытое обращение
    [few] { $open } открытых обращения
    [many] { $open } открытых обращений
   *[other] { $open } открытого обращения
}, эскалировано: { $escalated }
digest-at-risk-why = Причины: { $reasons }
digest-at-risk-flags = В зоне риска: { $flags }
digest-flag-low-score = оценка ниже { $below }
digest-flag-dropped = снижение с { $from } до { $to } по сравнению с показателем { $days ->
    [one] { $days } день назад
    [few] { $days } дня назад
    [many] { $days } дней назад
   *[other] { $days } дня назад
}
digest-flag-renewal = продление через { $days ->
    [one] { $days } день
    [few] { $days } дня
    [many] { $days } дней
   *[other] { $days } дня
}, а были нарушения SLA или эскалации
digest-at-risk-chart = График: здоровье каждого клиента из списка выше, в том же порядке, по шкале 0–100; пунктир — порог зоны риска, { $below }.
digest-team-title = Показатели команды, { $period }
digest-team-text = Показатели команды за { $period }: открыто { $opened }, решено { $solved }.
digest-team-empty = За { $period } не было ни новых, ни отвеченных, ни решённых, ни оценённых обращений.
digest-team-previous = Сравнение с предыдущим периодом: { $period }. Время календарное, по отметкам времени сообщений в чате.
digest-field-opened = Открыто обращений
digest-field-solved = Решено обращений
digest-field-frt = Время первого ответа
digest-field-resolution = Время решения
digest-field-reopen = Доля повторно открытых
digest-field-csat = CSAT
digest-field-nps = NPS
digest-team-by-assignee = По исполнителям (медианное время):
digest-team-assignee = { $name }: решено { $solved } (ранее { $solved_before }) · первый ответ { $frt } (ранее { $frt_before }) · решение { $resolution } (ранее { $resolution_before }) · CSAT { $csat } (ранее { $csat_before })
digest-team-chart = График: время первого ответа по дням за последние { $days ->
    [one] { $days } день
    [few] { $days } дня
    [many] { $days } дней
   *[other] { $days } дня
}, медиана (синяя линия) и p90 (оранжевая), по шкале 0–{ $max }.
digest-sla-title = SLA, { $period }
digest-sla-text = { $count ->
    [one] { $count } нарушение SLA
    [few] { $count } нарушения SLA
    [many] { $count } нарушений SLA
   *[other] { $count } нарушения SLA
} за { $period }.
digest-sla-empty = За { $period } нарушений SLA нет.
digest-sla-breaches = Нарушены сроки:
digest-sla-breach = { $key } { $title } ({ $account }): срок «{ $target }» истёк { $due }; ответственный: { $owner }
digest-sla-due-soon = Под угрозой нарушения в течение { $hours ->
    [one] { $hours } часа
    [few] { $hours } часов
    [many] { $hours } часов
   *[other] { $hours } часа
}:
digest-sla-due-soon-line = { $key } { $title }: «{ $target }» до { $due }; ответственный: { $owner }
digest-sla-due-soon-none = В течение { $hours ->
    [one] { $hours } часа
    [few] { $hours } часов
    [many] { $hours } часов
   *[other] { $hours } часа
} нарушений SLA не ожидается.
digest-sla-compliance = Соблюдение SLA по политикам:
digest-sla-compliance-line = { $policy }, { $target }: { $ratio }
digest-sla-no-clocks = Ближайшие сроки и соблюдение по политикам недоступны: часы SLA не настроены.
digest-sla-chart = График: нарушения SLA по дням за последние { $days ->
    [one] { $days } день
    [few] { $days } дня
    [many] { $days } дней
   *[other] { $days } дня
}, по шкале 0–{ $max }.
digest-dry-run-to = ── { $destination } ──
digest-dry-run-channel = канал { $channel }
digest-dry-run-dm = личное сообщение для { $platform }:{ $user }
digest-dry-run-attachment = [вложение { $name }: { $type }, { $bytes ->
    [one] { $bytes } байт
    [few] { $bytes } байта
    [many] { $bytes } байт
   *[other] { $bytes } байта
}]
