"""Ukrainian and Russian for the bot's commands, and the "ask in English" line per locale.

Discord shows a command's ``name_localizations`` / ``description_localizations`` to members
whose client uses that language; discord.py fills them at sync time from the tree's
``Translator``. Every command string is a ``locale_str`` whose message is the English text,
so the English text is the key here. Interactions still arrive with the English names, so
nothing else in the bot changes. The articles stay English: a member writing Ukrainian or
Russian is told, in English and in their language, to ask in English.
"""

from __future__ import annotations

import discord
from discord import app_commands

# English text -> {Discord locale: text}. Names: lowercase letters only (Discord's rule for
# slash commands); descriptions: at most 100 characters.
STRINGS: dict[str, dict[str, str]] = {
    # names
    "ask": {"uk": "запитати", "ru": "спросить"},
    "question": {"uk": "питання", "ru": "вопрос"},
    "private": {"uk": "приватно", "ru": "лично"},
    "sources": {"uk": "джерела", "ru": "источники"},
    "help": {"uk": "довідка", "ru": "справка"},
    "logs": {"uk": "журнал", "ru": "журнал"},
    "recent": {"uk": "останні", "ru": "последние"},
    "declined": {"uk": "відхилені", "ru": "отклонённые"},
    "flagged": {"uk": "позначені", "ru": "отмеченные"},
    "search": {"uk": "пошук", "ru": "поиск"},
    "show": {"uk": "показати", "ru": "показать"},
    "stats": {"uk": "статистика", "ru": "статистика"},
    "export": {"uk": "експорт", "ru": "экспорт"},
    "limit": {"uk": "кількість", "ru": "количество"},
    "text": {"uk": "текст", "ru": "текст"},
    "id": {"uk": "номер", "ru": "номер"},
    "days": {"uk": "днів", "ru": "дней"},
    "which": {"uk": "які", "ru": "какие"},
    "list": {"uk": "список", "ru": "список"},
    "add": {"uk": "додати", "ru": "добавить"},
    "remove": {"uk": "видалити", "ru": "удалить"},
    "url": {"uk": "адреса", "ru": "адрес"},
    "Ask Talks Bot": {"uk": "Запитати Talks Bot", "ru": "Спросить Talks Bot"},
    # descriptions
    "Ask about the Istanbul peace talks; the answer quotes the news articles.": {
        "uk": "Запитайте англійською про мирні переговори в Стамбулі; відповідь цитує статті.",
        "ru": "Спросите по-английски о мирных переговорах в Стамбуле; ответ цитирует статьи.",
    },
    "Your question, e.g. Where will the talks be held?": {
        "uk": "Ваше питання англійською, напр. Where will the talks be held?",
        "ru": "Ваш вопрос по-английски, напр. Where will the talks be held?",
    },
    "Show the question and answer only to you (default: no)": {
        "uk": "Показати питання й відповідь лише вам (типово: ні)",
        "ru": "Показать вопрос и ответ только вам (по умолчанию: нет)",
    },
    "List the articles the bot quotes.": {
        "uk": "Статті, які цитує бот.",
        "ru": "Статьи, которые цитирует бот.",
    },
    "The articles the bot quotes; moderators add and remove them.": {
        "uk": "Статті, які цитує бот; модератори додають і видаляють їх.",
        "ru": "Статьи, которые цитирует бот; модераторы добавляют и удаляют их.",
    },
    "Add a news article by its web address (moderators).": {
        "uk": "Додати статтю за її вебадресою (модератори).",
        "ru": "Добавить статью по её веб-адресу (модераторы).",
    },
    "The article's address, https://…": {
        "uk": "Адреса статті, https://…",
        "ru": "Адрес статьи, https://…",
    },
    "Remove an article (moderators).": {
        "uk": "Видалити статтю (модератори).",
        "ru": "Удалить статью (модераторы).",
    },
    "The article's id, as /sources list shows it": {
        "uk": "Номер статті, як у /sources list",
        "ru": "Номер статьи, как в /sources list",
    },
    "What Talks Bot does and does not do.": {
        "uk": "Що Talks Bot робить і чого не робить.",
        "ru": "Что Talks Bot делает и чего не делает.",
    },
    "Review the answer log (moderators).": {
        "uk": "Перегляд журналу відповідей (модератори).",
        "ru": "Просмотр журнала ответов (модераторы).",
    },
    "The latest questions.": {"uk": "Останні питання.", "ru": "Последние вопросы."},
    "How many (1-25, default 10)": {
        "uk": "Скільки (1-25, типово 10)",
        "ru": "Сколько (1-25, по умолчанию 10)",
    },
    "Questions the bot declined.": {
        "uk": "Питання, на які бот не відповів.",
        "ru": "Вопросы, на которые бот не ответил.",
    },
    "Answers voted not helpful.": {
        "uk": "Відповіді, позначені як некорисні.",
        "ru": "Ответы, отмеченные как бесполезные.",
    },
    "Entries whose question or answer has a text.": {
        "uk": "Записи, у питанні чи відповіді яких є текст.",
        "ru": "Записи, в вопросе или ответе которых есть текст.",
    },
    "Text to look for": {"uk": "Текст для пошуку", "ru": "Текст для поиска"},
    "One entry in full.": {"uk": "Один запис повністю.", "ru": "Одна запись целиком."},
    "The entry id, as listed": {
        "uk": "Номер запису, як у списку",
        "ru": "Номер записи, как в списке",
    },
    "Totals over the last days.": {
        "uk": "Підсумки за останні дні.",
        "ru": "Итоги за последние дни.",
    },
    "Period in days (default 7)": {
        "uk": "Період у днях (типово 7)",
        "ru": "Период в днях (по умолчанию 7)",
    },
    "Entries as a CSV file.": {"uk": "Записи як файл CSV.", "ru": "Записи в виде файла CSV."},
    "Which entries (default: all)": {
        "uk": "Які записи (типово: усі)",
        "ru": "Какие записи (по умолчанию: все)",
    },
    "Period in days (default 30)": {
        "uk": "Період у днях (типово 30)",
        "ru": "Период в днях (по умолчанию 30)",
    },
}

# Said after the English decline when a question is not in English (reason ``not_english``).
ASK_IN_ENGLISH: dict[str, str] = {
    "uk": "Я відповідаю лише зі статей англійською мовою, тож не можу шукати питання іншою "
    "мовою. Будь ласка, запитайте англійською.",
    "ru": "Я отвечаю только по статьям на английском языке, поэтому не могу искать вопрос на "
    "другом языке. Пожалуйста, спросите по-английски.",
}


class Translator(app_commands.Translator):
    """Command names and descriptions from ``STRINGS``; English (None) where there is none."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        return STRINGS.get(string.message, {}).get(locale.value)


def ask_in_english(locale: discord.Locale | str | None) -> str | None:
    """The "ask in English" line in the member's language, if the bot speaks it."""
    if locale is None:
        return None
    code = locale.value if isinstance(locale, discord.Locale) else locale
    return ASK_IN_ENGLISH.get(code)
