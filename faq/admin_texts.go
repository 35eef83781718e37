package faq

import (
	"fmt"

	"github.com/relaisbot/relais/bot"
)

// adminText is a text of the admin commands in English and French; its
// %-verbs are filled by the arguments of in.
type adminText struct{ en, fr string }

// in returns the text in lang (English unless French), filled with args.
func (t adminText) in(lang bot.Lang, args ...any) string {
	s := t.en
	if lang == bot.LangFR {
		s = t.fr
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Command line mistakes.
var (
	txtUnknownVerb        = adminText{"unknown command '%s': type help for the list of commands", "commande inconnue « %s » : tapez help pour la liste des commandes"}
	txtUnknownVerbSuggest = adminText{"unknown command '%s': did you mean %s? Type help for the list of commands", "commande inconnue « %s » : vouliez-vous dire %s ? Tapez help pour la liste des commandes"}
	txtUnclosedQuote      = adminText{"unclosed quote %s: add the closing %s", "guillemet %s non fermé : ajoutez le %s fermant"}
	txtTooManyArgs        = adminText{"too many arguments: %s", "trop d'arguments : %s"}
	txtMissingID          = adminText{"missing entry id: %s", "identifiant d'entrée manquant : %s"}
	txtMissingLang        = adminText{"missing language: %s", "langue manquante : %s"}
	txtMissingDraft       = adminText{"missing draft number: %s", "numéro de brouillon manquant : %s"}
	txtMissingMessage     = adminText{`missing message: try "where is my parcel?"`, `message manquant : try "où est mon colis ?"`}
	txtBadID              = adminText{"invalid id '%s': write topic.slug in lowercase letters, digits and dashes, e.g. shipping.gift-wrap", "identifiant « %s » invalide : écrivez sujet.nom en minuscules, chiffres et tirets, par exemple shipping.gift-wrap"}
	txtBadIDSuggest       = adminText{"invalid id '%s': write topic.slug in lowercase letters, digits and dashes, e.g. %s", "identifiant « %s » invalide : écrivez sujet.nom en minuscules, chiffres et tirets, par exemple %s"}
	txtIDTooLong          = adminText{"id '%s' is too long: at most %d characters", "l'identifiant « %s » est trop long : %d caractères au plus"}
	txtUnknownLang        = adminText{"unknown language '%s': use fr or en", "langue inconnue « %s » : utilisez fr ou en"}
	txtNoLang             = adminText{"the language is missing: use fr or en", "la langue manque : utilisez fr ou en"}
	txtBadTopic           = adminText{"invalid topic '%s': a topic is a lowercase word such as shipping", "sujet « %s » invalide : un sujet est un mot en minuscules, comme shipping"}
	txtListGotID          = adminText{"list takes a topic, not an id: to see this entry, type `show %s`", "list prend un sujet, pas un identifiant : pour voir cette entrée, tapez `show %s`"}
	txtBadDraft           = adminText{"invalid draft number '%s': use the number shown by drafts, e.g. %s 3", "numéro de brouillon « %s » invalide : utilisez le numéro affiché par drafts, par exemple %s 3"}
	txtBadCount           = adminText{"invalid count '%s': audit N takes N from 1 to %d", "nombre « %s » invalide : audit N accepte N de 1 à %d"}
	txtImportArgs         = adminText{"unexpected '%s': send the file with the import command (as an attachment); `import replace` also deletes the entries the file lacks", "« %s » inattendu : envoyez le fichier avec la commande import (en pièce jointe) ; `import replace` supprime aussi les entrées absentes du fichier"}
	txtUnexpectedBody     = adminText{"unexpected lines after %s: only add and edit take Q:/A: lines", "lignes inattendues après %s : seules add et edit acceptent des lignes Q:/A:"}
	txtBodyWithoutCommand = adminText{"the first line must be a command: type help for the list", "la première ligne doit être une commande : tapez help pour la liste"}
	txtNotAField          = adminText{"line %d is not a field: start it with Q:, Q+:, Q-:, A:, title: or tags: (“%s”)", "la ligne %d n'est pas un champ : commencez-la par Q:, Q+:, Q-:, A:, title: ou tags: (« %s »)"}
	txtFieldTwice         = adminText{"%s is given twice (line %d): give it once; the lines after A: continue the answer", "%s est donné deux fois (ligne %d) : donnez-le une seule fois ; les lignes après A: continuent la réponse"}
	txtEmptyField         = adminText{"%s on line %d is empty: write the question after it", "%s ligne %d est vide : écrivez la question après"}
)

// Entry problems.
var (
	txtTopicMismatch    = adminText{"topic '%s' does not match the id: it must be %s", "le sujet « %s » ne correspond pas à l'identifiant : ce doit être %s"}
	txtTitleLines       = adminText{"the title must fit on one line", "le titre doit tenir sur une ligne"}
	txtTitleTooLong     = adminText{"the title is too long (%d characters): at most %d, it is shown on a button", "le titre est trop long (%d caractères) : %d au plus, il s'affiche sur un bouton"}
	txtNoQuestion       = adminText{"at least one question is needed: add a Q: line", "il faut au moins une question : ajoutez une ligne Q:"}
	txtTooManyQuestions = adminText{"too many questions (%d): at most %d", "trop de questions (%d) : %d au plus"}
	txtQuestionLines    = adminText{"question %d spans several lines: one question per Q: line", "la question %d tient sur plusieurs lignes : une question par ligne Q:"}
	txtQuestionTooLong  = adminText{"question %d is too long (%d characters): at most %d", "la question %d est trop longue (%d caractères) : %d au plus"}
	txtNoSuchQuestion   = adminText{"Q-: '%s' is not one of the entry's questions (show lists them)", "Q- : « %s » ne fait pas partie des questions de l'entrée (show les liste)"}
	txtNoAnswer         = adminText{"the answer is empty: write it after A:", "la réponse est vide : écrivez-la après A:"}
	txtAnswerTooLong    = adminText{"the answer is too long (%d characters): at most %d, to fit in one chat message", "la réponse est trop longue (%d caractères) : %d au plus, pour tenir dans un message"}
	txtBadPlaceholder   = adminText{"unknown placeholder %s in the answer: use one of %s", "variable %s inconnue dans la réponse : utilisez l'une de celles-ci : %s"}
	txtUnmatchedBrace   = adminText{"unmatched brace in the answer: placeholders are written like %s", "accolade sans pendant dans la réponse : les variables s'écrivent comme %s"}
	txtTooManyTags      = adminText{"too many tags (%d): at most %d", "trop de mots-clés (%d) : %d au plus"}
	txtBadTag           = adminText{"invalid tag '%s': at most %d characters, no commas", "mot-clé « %s » invalide : %d caractères au plus, sans virgule"}
)

// Lookups and conflicts.
var (
	txtNoEntry          = adminText{"no entry %s: type `list` to see the entries", "aucune entrée %s : tapez `list` pour voir les entrées"}
	txtNoLangVersion    = adminText{"%s has no %s version: %s adds it", "%s n'existe pas en %s : %s l'ajoute"}
	txtWasDeleted       = adminText{"%s was deleted on %s by %s: %s restores it", "%s a été supprimée le %s par %s : %s la rétablit"}
	txtExists           = adminText{"%s already exists: use %s to change it", "%s existe déjà : utilisez %s pour la modifier"}
	txtNoTopic          = adminText{"no topic '%s': the topics are %s", "aucun sujet « %s » : les sujets sont %s"}
	txtConflict         = adminText{"Someone else changed this meanwhile: nothing was saved. Run the command again.", "Quelqu'un d'autre a fait une modification entre-temps : rien n'a été enregistré. Relancez la commande."}
	txtChangedSinceForm = adminText{"%s was changed by %s (%s) since this form was opened: nothing was saved. Open the form again to see the changes.", "%s a été modifiée par %s (%s) depuis l'ouverture de ce formulaire : rien n'a été enregistré. Rouvrez le formulaire pour voir les changements."}
	txtRefused          = adminText{"Sorry, only FAQ admins may use `/faq %s`. Ask an admin if the FAQ needs a change. This attempt was logged.", "Désolé, seuls les administrateurs de la FAQ peuvent utiliser `/faq %s`. Demandez à un administrateur si la FAQ doit changer. Cette tentative a été enregistrée."}
	txtProblems         = adminText{"Problems (%d):", "Problèmes (%d) :"}
	txtTryUnavailable   = adminText{"try is not available here: run `relais try \"…\"` on the server", "try n'est pas disponible ici : lancez `relais try \"…\"` sur le serveur"}
)

// Results of changes.
var (
	txtAdded          = adminText{"Added %s (revision %d): customers get this answer now.", "Entrée %s ajoutée (révision %d) : les clients reçoivent cette réponse dès maintenant."}
	txtUpdated        = adminText{"Updated %s: revision %d (%s). Customers get it now.", "Entrée %s modifiée : révision %d (%s). Les clients la reçoivent dès maintenant."}
	txtUnchanged      = adminText{"Nothing to change: %s already says exactly that.", "Rien à changer : %s dit déjà exactement cela."}
	txtDeleted        = adminText{"Deleted %s (%s): customers no longer get it. %s brings it back.", "Entrée %s supprimée (%s) : les clients ne la reçoivent plus. %s la rétablit."}
	txtCoverage       = adminText{"Note: %d of its %d questions may lead customers to the wrong entry; make them more specific, or merge the entries:", "Attention : %d de ses %d questions risquent de mener les clients à la mauvaise entrée ; rendez-les plus précises, ou fusionnez les entrées :"}
	txtAlsoQuestionOf = adminText{"“%s” is also a question of %s", "« %s » est aussi une question de %s"}
	txtNoEntryMatches = adminText{"no entry", "aucune entrée"}
	txtFormAdd        = adminText{"Fill in the form to add %s. Without a form, write the entry after the command, one field per line (Q: …, A: …): see %s.", "Remplissez le formulaire pour ajouter %s. Sans formulaire, écrivez l'entrée après la commande, un champ par ligne (Q: …, A: …) : voir %s."}
	txtFormEdit       = adminText{"Change %s in the form. Without a form, write the fields to change after the command, one per line (Q+: adds a question, A: replaces the answer…): see %s.", "Modifiez %s dans le formulaire. Sans formulaire, écrivez les champs à changer après la commande, un par ligne (Q+: ajoute une question, A: remplace la réponse…) : voir %s."}
	txtUndoDeleted    = adminText{"%s is deleted again, as before revision %d (new revision %d).", "%s est de nouveau supprimée, comme avant la révision %d (nouvelle révision %d)."}
	txtUndoRestored   = adminText{"%s is back, as in revision %d (new revision %d).", "%s est rétablie, comme dans la révision %d (nouvelle révision %d)."}
	txtUndoReverted   = adminText{"%s is back to revision %d (new revision %d: %s).", "%s est revenue à la révision %d (nouvelle révision %d : %s)."}
	txtUndoAgain      = adminText{"Run undo again to undo this undo.", "Relancez undo pour annuler cette annulation."}
)

// Import and export.
var (
	txtExported        = adminText{"Exported %d entries (%d ids) to %s. Keep it in version control; import loads it back.", "%d entrées exportées (%d identifiants) dans %s. Gardez-le sous contrôle de version ; import le recharge."}
	txtImportHow       = adminText{"Send the JSON file made by export with the import command (as an attachment), or run `relais faq import FILE` on the server. The file's entries are added or replaced; `import replace` also deletes the entries the file lacks.", "Envoyez le fichier JSON produit par export avec la commande import (en pièce jointe), ou lancez `relais faq import FICHIER` sur le serveur. Les entrées du fichier sont ajoutées ou remplacées ; `import replace` supprime aussi les entrées absentes du fichier."}
	txtImported        = adminText{"Imported; customers get the new answers now.", "Import terminé ; les clients reçoivent les nouvelles réponses dès maintenant."}
	txtImportNothing   = adminText{"Nothing to import: the FAQ already matches the file.", "Rien à importer : la FAQ correspond déjà au fichier."}
	txtImportSummary   = adminText{"%d entries in the file: %d added, %d changed, %d deleted, %d unchanged.", "%d entrées dans le fichier : %d ajoutées, %d modifiées, %d supprimées, %d inchangées."}
	txtNothingImported = adminText{"Nothing imported.", "Rien n'a été importé."}
	txtReplaceEmpty    = adminText{"the file has no entries: import replace would delete the whole FAQ. Delete entries with delete instead.", "le fichier ne contient aucune entrée : import replace supprimerait toute la FAQ. Supprimez plutôt les entrées avec delete."}
	txtFileTooBig      = adminText{"the file is too large (%d MiB): at most %d MiB", "le fichier est trop gros (%d Mio) : %d Mio au plus"}
	txtNotExport       = adminText{"the file is not a JSON list of entries like export makes: %v", "le fichier n'est pas une liste d'entrées JSON comme celle d'export : %v"}
	txtTooManyEntries  = adminText{"the file has %d entries: at most %d", "le fichier contient %d entrées : %d au plus"}
	txtBadEntryJSON    = adminText{"entry %d is not a valid entry: %v", "l'entrée %d n'est pas valide : %v"}
	txtDuplicateEntry  = adminText{"entry %d repeats entry %d (same id and language)", "l'entrée %d répète l'entrée %d (même identifiant et même langue)"}
)

// Drafts.
var (
	txtDraftSaved        = adminText{"Draft #%d saved: an FAQ admin can approve it with %s or reject it with %s.", "Brouillon n° %d enregistré : un administrateur de la FAQ peut l'approuver avec %s ou le rejeter avec %s."}
	txtDraftExists       = adminText{"This answer was already proposed: draft #%d.", "Cette réponse est déjà proposée : brouillon n° %d."}
	txtDraftNoQuestion   = adminText{"the customer's question is empty", "la question du client est vide"}
	txtDraftLongQuestion = adminText{"the question is too long to be a phrasing (%d characters): keep only the question itself, at most %d", "la question est trop longue pour une formulation (%d caractères) : gardez seulement la question, %d au plus"}
	txtNoDrafts          = adminText{"No draft is waiting for approval.", "Aucun brouillon n'attend d'approbation."}
	txtDraftsHeader      = adminText{"*Drafts waiting for approval* (%d):", "*Brouillons en attente d'approbation* (%d) :"}
	txtDraftsFooter      = adminText{"`approve N [ID]` creates the entry in the draft's language; `reject N` drops the draft.", "`approve N [ID]` crée l'entrée dans la langue du brouillon ; `reject N` écarte le brouillon."}
	txtNoDraft           = adminText{"no draft #%d is waiting for approval: %s lists them", "aucun brouillon n° %d n'attend d'approbation : %s les liste"}
	txtDraftNeedsID      = adminText{"draft #%d has no suggested id: give one, e.g. %s", "le brouillon n° %d n'a pas d'identifiant suggéré : donnez-en un, par exemple %s"}
	txtDraftEntryExists  = adminText{"%s already exists: give another id (%s), or add the question to it with edit", "%s existe déjà : donnez un autre identifiant (%s), ou ajoutez-y la question avec edit"}
	txtApproved          = adminText{"Draft #%d approved: %s created (revision %d), proposed by %s. Its title is the customer's question; change it with %s.", "Brouillon n° %d approuvé : %s créée (révision %d), proposée par %s. Son titre est la question du client ; modifiez-le avec %s."}
	txtRejected          = adminText{"Draft #%d (proposed by %s) rejected.", "Brouillon n° %d (proposé par %s) rejeté."}
)

// Listings.
var (
	txtListHeader     = adminText{"*FAQ* — %d entries:", "*FAQ* — %d entrées :"}
	txtListFooter     = adminText{"`show ID` shows an entry; `add ID fr|en` adds one.", "`show ID` affiche une entrée ; `add ID fr|en` en ajoute une."}
	txtListNone       = adminText{"The FAQ is empty: add an entry with `add ID fr|en`, or load a file with import.", "La FAQ est vide : ajoutez une entrée avec `add ID fr|en`, ou chargez un fichier avec import."}
	txtListNoneLang   = adminText{"No entry in %s matches.", "Aucune entrée en %s ne correspond."}
	txtRevisionBy     = adminText{"revision %d by %s, %s", "révision %d par %s, %s"}
	txtLabelTitle     = adminText{"Title", "Titre"}
	txtLabelQuestions = adminText{"Questions", "Questions"}
	txtLabelAnswer    = adminText{"Answer", "Réponse"}
	txtLabelTags      = adminText{"Tags", "Mots-clés"}
	txtHistoryHeader  = adminText{"*History of %s* (newest first):", "*Historique de %s* (le plus récent d'abord) :"}
	txtHistoryMore    = adminText{"… older revisions are not shown (the latest %d only).", "… les révisions plus anciennes ne sont pas affichées (les %d dernières seulement)."}
	txtHistoryFooter  = adminText{"%s undoes the latest change.", "%s annule la dernière modification."}
	txtWordDeleted    = adminText{"deleted", "supprimée"}
	txtNoteUndo       = adminText{"undo of revision %d", "annulation de la révision %d"}
	txtNoteDraft      = adminText{"from draft #%d by %s", "brouillon n° %d de %s"}
	txtAuditHeader    = adminText{"*Audit log* (the latest %d, newest first):", "*Journal d'audit* (les %d dernières actions, les plus récentes d'abord) :"}
	txtAuditNone      = adminText{"The audit log is empty.", "Le journal d'audit est vide."}
	txtHelpHeader     = adminText{"*FAQ admin commands* (type them after /faq):", "*Commandes d'administration de la FAQ* (à taper après /faq) :"}
	txtHelpFooter     = adminText{"Ids look like `shipping.gift-wrap`; quote text with spaces (\"…\" or «…»). `help COMMAND` tells more, e.g. `help add`.", "Les identifiants s'écrivent comme `shipping.gift-wrap` ; mettez les textes avec des espaces entre guillemets (\"…\" ou «…»). `help COMMANDE` en dit plus, par exemple `help add`."}
)

// Names of fields in change summaries.
var (
	txtFieldTitle     = adminText{"title", "titre"}
	txtFieldAnswer    = adminText{"answer", "réponse"}
	txtFieldQuestions = adminText{"questions", "questions"}
	txtFieldOrder     = adminText{"question order", "ordre des questions"}
	txtFieldTags      = adminText{"tags", "mots-clés"}
	txtFieldTopic     = adminText{"topic", "sujet"}
)

// noteWords translates the plain revision notes.
var noteWords = map[string]adminText{
	"seed":   {"built-in FAQ", "FAQ d'origine"},
	"add":    {"added", "ajout"},
	"edit":   {"edited", "modification"},
	"delete": {"deleted", "suppression"},
	"import": {"imported", "import"},
}

// verbSummary says in a few words what each command does.
var verbSummary = map[Verb]adminText{
	VerbList:    {"list the entries, by topic", "lister les entrées, par sujet"},
	VerbShow:    {"show an entry: title, questions, answer, tags", "afficher une entrée : titre, questions, réponse, mots-clés"},
	VerbAdd:     {"add an entry (a form opens, or write Q:/A: lines after the command)", "ajouter une entrée (un formulaire s'ouvre, ou écrivez des lignes Q:/A: après la commande)"},
	VerbEdit:    {"change an entry (form, or the fields to change after the command)", "modifier une entrée (formulaire, ou les champs à changer après la commande)"},
	VerbDelete:  {"delete an entry, in one language or both; undo brings it back", "supprimer une entrée, dans une langue ou les deux ; undo la rétablit"},
	VerbHistory: {"the revisions of an entry: who changed what, when", "les révisions d'une entrée : qui a changé quoi, quand"},
	VerbUndo:    {"undo the latest change of an entry (itself a new revision)", "annuler la dernière modification d'une entrée (c'est une nouvelle révision)"},
	VerbTry:     {"what the bot answers to a message, as `relais try` shows it", "ce que le bot répond à un message, comme `relais try`"},
	VerbExport:  {"download the whole FAQ as a JSON file", "télécharger toute la FAQ en fichier JSON"},
	VerbImport:  {"load a file from export: its entries are added or replaced", "charger un fichier d'export : ses entrées sont ajoutées ou remplacées"},
	VerbDrafts:  {"agents' answers proposed as new entries", "réponses d'agents proposées comme nouvelles entrées"},
	VerbApprove: {"turn a draft into an entry", "transformer un brouillon en entrée"},
	VerbReject:  {"drop a draft", "écarter un brouillon"},
	VerbAudit:   {"the latest admin actions, refusals included", "les dernières actions d'administration, refus compris"},
	VerbHelp:    {"this help, or more on one command", "cette aide, ou le détail d'une commande"},
}

// verbDetail explains the commands that need more than a summary.
var verbDetail = map[Verb]adminText{
	VerbList: {"Examples: `list`, `list shipping`, `list shipping fr`, `list en`.",
		"Exemples : `list`, `list shipping`, `list shipping fr`, `list en`."},
	VerbAdd: {"Without more, a form opens (Slack, Discord). Or write one field per line after the command:\n" +
		"```\nadd shipping.gift-wrap en\ntitle: Do you gift-wrap?\nQ: do you gift wrap\nQ: can I send it as a present\nA: Yes: tick \"gift\" at checkout.\nThe answer may span several lines.\ntags: gift, wrapping\n```\n" +
		"Q: (one or more) and A: are required; the title defaults to the first question. Answers may use {shop_name}, {support_email}, {orders_url}… (see COMMANDS.md).",
		"Sans rien d'autre, un formulaire s'ouvre (Slack, Discord). Ou écrivez un champ par ligne après la commande :\n" +
			"```\nadd shipping.gift-wrap fr\ntitle: Faites-vous des paquets cadeaux ?\nQ: vous faites les paquets cadeaux\nQ: je peux l'envoyer en cadeau\nA: Oui : cochez « cadeau » à la commande.\nLa réponse peut tenir sur plusieurs lignes.\ntags: cadeau, emballage\n```\n" +
			"Q: (une ou plusieurs) et A: sont obligatoires ; le titre est par défaut la première question. Les réponses peuvent utiliser {shop_name}, {support_email}, {orders_url}… (voir COMMANDS.md)."},
	VerbEdit: {"Without more, a form opens with the entry. Or write the fields to change, one per line: `title:`, `A:` (replaces the answer), `tags:`, `Q:` (replaces all the questions), `Q+:` (adds one), `Q-:` (removes one). Example:\n```\nedit shipping.tracking en\nQ+: where's my stuff\n```",
		"Sans rien d'autre, un formulaire s'ouvre avec l'entrée. Ou écrivez les champs à changer, un par ligne : `title:`, `A:` (remplace la réponse), `tags:`, `Q:` (remplace toutes les questions), `Q+:` (en ajoute une), `Q-:` (en retire une). Exemple :\n```\nedit shipping.tracking fr\nQ+: il est où mon colis\n```"},
	VerbDelete: {"Without a language, both languages are deleted. `undo ID` brings the entry back.",
		"Sans langue, les deux langues sont supprimées. `undo ID` rétablit l'entrée."},
	VerbUndo: {"Undoing an edit restores the previous text, undoing a deletion restores the entry, undoing an addition deletes it. Without a language, the latest change is undone in every language it touched. Undoing twice redoes.",
		"Annuler une modification rétablit le texte précédent, annuler une suppression rétablit l'entrée, annuler un ajout la supprime. Sans langue, la dernière modification est annulée dans toutes les langues qu'elle a touchées. Annuler deux fois rétablit."},
	VerbTry: {"Example: `try \"where is my parcel?\"`. Nothing is stored.",
		"Exemple : `try \"où est mon colis ?\"`. Rien n'est enregistré."},
	VerbImport: {"Attach the JSON file made by export. Every entry is checked first; if any is wrong, nothing is imported and every problem is listed. `import replace` also deletes the entries the file lacks. On the server: `relais faq import FILE`.",
		"Joignez le fichier JSON produit par export. Chaque entrée est vérifiée d'abord ; si l'une est fausse, rien n'est importé et chaque problème est listé. `import replace` supprime aussi les entrées absentes du fichier. Sur le serveur : `relais faq import FICHIER`."},
	VerbApprove: {"Example: `approve 3 shipping.gift-wrap`. The id defaults to the one the agent suggested. The entry's question is the customer's message and its answer the agent's reply; edit them afterwards if needed.",
		"Exemple : `approve 3 shipping.gift-wrap`. L'identifiant est par défaut celui suggéré par l'agent. La question de l'entrée est le message du client et sa réponse celle de l'agent ; modifiez-les ensuite si besoin."},
}
