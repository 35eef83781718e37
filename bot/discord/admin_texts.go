package discord

import "github.com/relaisbot/relais/bot"

// adminTexts are what /faq and the entry form say on Discord, in one
// language. Placeholders are fmt verbs, documented per field. Labels of the
// form's inputs hold at most 45 characters (Discord).
type adminTexts struct {
	Internal       string
	ImportHow      string
	ImportTooBig   string // %d MiB, %d MiB
	ImportDownload string // %d HTTP status
	FormTooLong    string // %s the command to use instead
	FormAdd        string // %s id, %s language; the modal's title (cut at 45)
	FormEdit       string // %s id, %s language
	FormQuestions  string
	FormAnswer     string
	FormTitle      string
	FormTags       string
	FormFix        string // the button that opens a refused form again
	FormSaved      string // prefix of the Admin's reply to a saved form
	FormExpired    string
}

var allAdminTexts = map[bot.Lang]adminTexts{
	bot.LangEN: {
		Internal:       "Something went wrong in Relais (the error is logged): try again in a moment; if it persists, ask whoever runs Relais to check its logs.",
		ImportHow:      "Attach the JSON file made by `export` to the command: `/faq command:import file:…` (`command:import replace` also deletes the entries the file lacks).",
		ImportTooBig:   "The file is too big (%d MiB): at most %d MiB.",
		ImportDownload: "Relais could not download the attached file (HTTP %d): run the command again with the file.",
		FormTooLong:    "This entry has too many questions to edit in a form: change them with Q+: and Q-: fields instead, e.g. %s",
		FormAdd:        "Add %s (%s)",
		FormEdit:       "Edit %s (%s)",
		FormQuestions:  "Questions customers ask (one per line)",
		FormAnswer:     "Answer ({shop_name}… placeholders work)",
		FormTitle:      "Title on buttons (empty: the first question)",
		FormTags:       "Tags, comma-separated (for admins)",
		FormFix:        "Fix the form",
		FormSaved:      "Saved from the form: ",
		FormExpired:    "This form has expired: run the command again.",
	},
	bot.LangFR: {
		Internal:       "Un problème est survenu dans Relais (l'erreur est journalisée) : réessayez dans un instant ; si cela persiste, demandez à la personne qui gère Relais de consulter ses journaux.",
		ImportHow:      "Joignez à la commande le fichier JSON produit par `export` : `/faq command:import file:…` (`command:import replace` supprime aussi les entrées absentes du fichier).",
		ImportTooBig:   "Le fichier est trop gros (%d Mio) : %d Mio au plus.",
		ImportDownload: "Relais n'a pas pu télécharger le fichier joint (HTTP %d) : relancez la commande avec le fichier.",
		FormTooLong:    "Cette entrée a trop de questions pour un formulaire : modifiez-les plutôt avec des champs Q+: et Q-:, par exemple %s",
		FormAdd:        "Ajouter %s (%s)",
		FormEdit:       "Modifier %s (%s)",
		FormQuestions:  "Questions des clients (une par ligne)",
		FormAnswer:     "Réponse (variables {shop_name}… permises)",
		FormTitle:      "Titre des boutons (vide : la 1re question)",
		FormTags:       "Mots-clés séparés par des virgules",
		FormFix:        "Corriger le formulaire",
		FormSaved:      "Enregistré depuis le formulaire : ",
		FormExpired:    "Ce formulaire a expiré : relancez la commande.",
	},
}

func adminTextsFor(lang bot.Lang) adminTexts {
	if t, ok := allAdminTexts[lang]; ok {
		return t
	}
	return allAdminTexts[bot.LangEN]
}
