package slack

import "github.com/relaisbot/relais/bot"

// adminTexts are what /faq, /relais, the entry form and FAQ drafts say in
// Slack, in one language. Placeholders are fmt verbs, documented per field.
type adminTexts struct {
	NotAvailable    string // /faq without an admin set up
	Busy            string
	Internal        string
	PermissionCheck string
	FormFailed      string // %s the command with a body, to type instead
	FormTooLong     string // %s the edit command with Q+:/Q-: lines
	FormAddTitle    string // at most 24 characters (Slack)
	FormEditTitle   string // at most 24 characters
	FormSave        string
	FormCancel      string
	FormClose       string
	FormNotSaved    string // title of the view shown after a refused submission, at most 24 characters
	FormNew         string // %s entry
	FormRevision    string // %s entry, %d revision, %s author
	FormQuestions   string
	FormQHint       string
	FormAnswer      string
	FormAnswerHint  string // %s placeholders
	FormTitle       string
	FormTitleHint   string
	FormTags        string
	FormTagsHint    string
	FormSaved       string // the success message's prefix, before the Admin's reply
	ExportSent      string
	ExportInline    string // %s why it could not be uploaded
	ExportFailed    string // %s why
	ImportHow       string
	ImportBadRef    string // %s what was given
	ImportNoAccess  string // %s the file reference
	ImportTooBig    string // %d MiB, %d MiB
	ImportScope     string
	RelaisUsage     string
	RelaisUnknown   string // %s the subcommand
	StatsBadPeriod  string // %s the period
	StatsRefused    string
	StatsNone       string
	DraftNotAgent   string
	DraftNotThread  string
	DraftNoQuestion string
	DraftNoReply    string // %s the command
	DraftOff        string
	// /relais customer export|erase
	CustomerUsage    string
	CustomerRefused  string
	CustomerBadRef   string // %s why, from the reference parser
	CustomerNone     string
	CustomerExported string // %d conversations, %d messages
	CustomerConfirm  string // %d conversations, %d messages, %s the confirming command
	CustomerErased   string // %d conversations, %d messages, %d copies
}

// placeholders are the placeholders FAQ answers may use (faq/COMMANDS.md).
const placeholders = "{shop_name}, {support_email}, {support_hours}, {return_window_days}, {refund_days}, " +
	"{free_shipping_threshold}, {shipping_cost}, {delivery_days}, {international_delivery_days}, {orders_url}"

var allAdminTexts = map[bot.Lang]adminTexts{
	bot.LangEN: {
		NotAvailable:     "The /faq command is not set up on this Relais.",
		Busy:             "Relais is busy with other commands: try again in a moment.",
		Internal:         "Something went wrong in Relais (the error is logged): try again in a moment; if it persists, ask whoever runs Relais to check its logs.",
		PermissionCheck:  "Relais could not check with Slack whether you are a FAQ admin: try again in a moment.",
		FormFailed:       "The form could not be opened (Slack allows it 3 seconds after the command): run the command again, or write the entry after it, one field per line (Shift+Enter for a new line):\n%s",
		FormTooLong:      "This entry has too many questions to edit in a form: change them with `Q+:` and `Q-:` lines instead, e.g.\n%s",
		FormAddTitle:     "Add a FAQ entry",
		FormEditTitle:    "Edit a FAQ entry",
		FormSave:         "Save",
		FormCancel:       "Cancel",
		FormClose:        "Close",
		FormNotSaved:     "Not saved",
		FormNew:          "New entry %s",
		FormRevision:     "%s · revision %d by %s",
		FormQuestions:    "Questions customers ask",
		FormQHint:        "One per line, as customers write them. At most 50 questions of 300 characters.",
		FormAnswer:       "Answer",
		FormAnswerHint:   "At most 2,000 characters. Placeholders: %s",
		FormTitle:        "Title",
		FormTitleHint:    "The short question shown on buttons (75 characters). Empty: the first question.",
		FormTags:         "Tags",
		FormTagsHint:     "Comma-separated keywords for admins; not used to match questions.",
		FormSaved:        "Saved from the form: ",
		ExportSent:       "📎 The file is in your direct messages with Relais.",
		ExportInline:     "The file could not be sent in Slack (%s), so here it is:",
		ExportFailed:     "…but the file could not be sent in Slack (%s). Run `relais faq export FILE` on the server instead.",
		ImportHow:        "To import, upload the JSON file made by `export` to Slack (your direct messages with Relais are a good place), copy its link (⋯ More actions → Copy link to file), then run `/faq import LINK`. `/faq import replace LINK` also deletes the entries the file lacks.",
		ImportBadRef:     "'%s' is not a Slack file: give the file's link (⋯ More actions → Copy link to file) or its id (F…).",
		ImportNoAccess:   "Relais cannot see the file %s: share it in a conversation Relais is in (your direct messages with Relais work), then run the command again.",
		ImportTooBig:     "The file is too big (%d MiB): at most %d MiB.",
		ImportScope:      "Relais may not read files: its Slack app lacks the files:read scope. Ask whoever runs Relais to reinstall the app from handoff/slack/manifest.json.",
		RelaisUsage:      "Usage: `/relais stats [period]` shows the service-quality report, for the last 7 days by default (`/relais stats 30d`, `/relais stats 24h`). FAQ admins: `/relais customer export REF` and `/relais customer erase REF` (a customer's data).",
		RelaisUnknown:    "Unknown command '%s'.",
		StatsBadPeriod:   "'%s' is not a period: write 7d, 30d or 24h (at most 365d).",
		StatsRefused:     "The report shows customers' questions: use `/relais stats` in the agents' channel, or ask a FAQ admin.",
		StatsNone:        "The report is not available on this Relais.",
		DraftNotAgent:    "Choose an agent's reply: messages of Relais cannot be proposed as FAQ entries.",
		DraftNotThread:   "Only a reply in a customer's thread, in the agents' channel, can be proposed as a FAQ entry.",
		DraftNoQuestion:  "Relais found no customer question before this reply to pair it with.",
		DraftNoReply:     "Reply to the customer first: %s proposes your latest reply in this thread as a FAQ entry.",
		DraftOff:         "FAQ drafts are not set up on this Relais.",
		CustomerUsage:    "Usage: `/relais customer export REF` sends you a customer's data as a JSON file; `/relais customer erase REF` deletes it, with Relais's copies in Slack and on Discord. REF is `#12` (the customer of conversation 12, the number in the thread), `customer:ID` (a logged-in shop customer), `token:TOKEN` (an anonymous widget customer) or `discord:USER_ID`.",
		CustomerRefused:  "Only FAQ admins may export or erase a customer's data. This attempt was logged.",
		CustomerBadRef:   "%s",
		CustomerNone:     "Nothing is stored about this customer.",
		CustomerExported: "Export of %d conversations (%d messages).",
		CustomerConfirm:  "This deletes %d conversations (%d messages) and Relais's copies in Slack and on Discord; it cannot be undone. To confirm, run `%s`.",
		CustomerErased:   "Erased %d conversations (%d messages); %d copies in Slack or on Discord are being deleted. The erasure is in the audit log.",
	},
	bot.LangFR: {
		NotAvailable:     "La commande /faq n'est pas configurée sur ce Relais.",
		Busy:             "Relais traite d'autres commandes : réessayez dans un instant.",
		Internal:         "Un problème est survenu dans Relais (l'erreur est journalisée) : réessayez dans un instant ; si cela persiste, demandez à la personne qui gère Relais de consulter ses journaux.",
		PermissionCheck:  "Relais n'a pas pu vérifier auprès de Slack si vous administrez la FAQ : réessayez dans un instant.",
		FormFailed:       "Le formulaire n'a pas pu s'ouvrir (Slack laisse 3 secondes après la commande) : relancez la commande, ou écrivez l'entrée à sa suite, un champ par ligne (Maj+Entrée pour une nouvelle ligne) :\n%s",
		FormTooLong:      "Cette entrée a trop de questions pour un formulaire : modifiez-les plutôt avec des lignes `Q+:` et `Q-:`, par exemple\n%s",
		FormAddTitle:     "Ajouter à la FAQ",
		FormEditTitle:    "Modifier la FAQ",
		FormSave:         "Enregistrer",
		FormCancel:       "Annuler",
		FormClose:        "Fermer",
		FormNotSaved:     "Non enregistré",
		FormNew:          "Nouvelle entrée %s",
		FormRevision:     "%s · révision %d par %s",
		FormQuestions:    "Questions des clients",
		FormQHint:        "Une par ligne, comme les clients les écrivent. 50 questions de 300 caractères au plus.",
		FormAnswer:       "Réponse",
		FormAnswerHint:   "2 000 caractères au plus. Variables : %s",
		FormTitle:        "Titre",
		FormTitleHint:    "La question courte affichée sur les boutons (75 caractères). Vide : la première question.",
		FormTags:         "Mots-clés",
		FormTagsHint:     "Séparés par des virgules, pour les administrateurs ; ils ne servent pas à reconnaître les questions.",
		FormSaved:        "Enregistré depuis le formulaire : ",
		ExportSent:       "📎 Le fichier est dans vos messages privés avec Relais.",
		ExportInline:     "Le fichier n'a pas pu être envoyé dans Slack (%s), le voici :",
		ExportFailed:     "… mais le fichier n'a pas pu être envoyé dans Slack (%s). Lancez plutôt `relais faq export FICHIER` sur le serveur.",
		ImportHow:        "Pour importer, déposez dans Slack le fichier JSON produit par `export` (vos messages privés avec Relais conviennent), copiez son lien (⋯ Plus d'actions → Copier le lien du fichier), puis lancez `/faq import LIEN`. `/faq import replace LIEN` supprime aussi les entrées absentes du fichier.",
		ImportBadRef:     "« %s » n'est pas un fichier Slack : donnez le lien du fichier (⋯ Plus d'actions → Copier le lien du fichier) ou son identifiant (F…).",
		ImportNoAccess:   "Relais ne voit pas le fichier %s : partagez-le dans une conversation où se trouve Relais (vos messages privés avec Relais conviennent), puis relancez la commande.",
		ImportTooBig:     "Le fichier est trop gros (%d Mio) : %d Mio au plus.",
		ImportScope:      "Relais n'a pas le droit de lire les fichiers : son app Slack n'a pas la permission files:read. Demandez à la personne qui gère Relais de réinstaller l'app depuis handoff/slack/manifest.json.",
		RelaisUsage:      "Utilisation : `/relais stats [période]` affiche le rapport de qualité de service, des 7 derniers jours par défaut (`/relais stats 30d`, `/relais stats 24h`). Administrateurs de la FAQ : `/relais customer export REF` et `/relais customer erase REF` (données d'un client).",
		RelaisUnknown:    "Commande « %s » inconnue.",
		StatsBadPeriod:   "« %s » n'est pas une période : écrivez 7d, 30d ou 24h (365d au plus).",
		StatsRefused:     "Le rapport montre des questions de clients : utilisez `/relais stats` dans le canal des agents, ou demandez à un administrateur de la FAQ.",
		StatsNone:        "Le rapport n'est pas disponible sur ce Relais.",
		DraftNotAgent:    "Choisissez la réponse d'un agent : les messages de Relais ne peuvent pas être proposés pour la FAQ.",
		DraftNotThread:   "Seule une réponse dans le fil d'un client, dans le canal des agents, peut être proposée pour la FAQ.",
		DraftNoQuestion:  "Relais n'a trouvé aucune question du client avant cette réponse.",
		DraftNoReply:     "Répondez d'abord au client : %s propose votre dernière réponse de ce fil comme entrée de FAQ.",
		DraftOff:         "Les brouillons de FAQ ne sont pas configurés sur ce Relais.",
		CustomerUsage:    "Utilisation : `/relais customer export REF` vous envoie les données d'un client dans un fichier JSON ; `/relais customer erase REF` les efface, avec les copies de Relais dans Slack et sur Discord. REF est `#12` (le client de la conversation 12, le numéro dans le fil), `customer:ID` (un client connecté de la boutique), `token:JETON` (un client anonyme du widget) ou `discord:ID_UTILISATEUR`.",
		CustomerRefused:  "Seuls les administrateurs de la FAQ peuvent exporter ou effacer les données d'un client. Cette tentative a été journalisée.",
		CustomerBadRef:   "%s",
		CustomerNone:     "Rien n'est enregistré sur ce client.",
		CustomerExported: "Export de %d conversations (%d messages).",
		CustomerConfirm:  "Cela efface %d conversations (%d messages) et les copies de Relais dans Slack et sur Discord ; c'est irréversible. Pour confirmer, lancez `%s`.",
		CustomerErased:   "%d conversations (%d messages) effacées ; %d copies dans Slack ou sur Discord sont en cours de suppression. L'effacement figure dans le journal d'audit.",
	},
}

func adminTextsFor(lang bot.Lang) adminTexts {
	if t, ok := allAdminTexts[lang]; ok {
		return t
	}
	return allAdminTexts[bot.LangEN]
}
