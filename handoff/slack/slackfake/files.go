package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// maxUpload bounds what the fake accepts as a file.
const maxUpload = 32 << 20

// UploadFile makes userID upload a file and share it in channel (a DM with
// the bot, say), as people do before /faq import. It returns the file, with
// its id and permalink.
func (s *Server) UploadFile(userID, channel, name string, content []byte) File {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notify()
	f := s.newFile(userID, name)
	f.Content, f.Channels = slices.Clone(content), []string{channel}
	s.state.Files = append(s.state.Files, f)
	return f
}

// SetUserGroup sets the members of a user group (creating it).
func (s *Server) SetUserGroup(id string, members []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = slices.Clone(members)
}

// DMChannel returns the id of the DM channel between the bot and userID
// ("" if the app never opened it with conversations.open).
func (s *Server) DMChannel(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dms[userID]
}

// newFile returns a new file record. Call with mu held.
func (s *Server) newFile(userID, name string) File {
	s.seq++
	id := fmt.Sprintf("F%08d", s.seq)
	return File{ID: id, Name: name, Title: name, User: userID,
		Permalink: "https://fake.slack.test/files/" + userID + "/" + id + "/" + name}
}

// fileMethod answers the files.*, conversations.open, usergroups.users.list
// and chat.postEphemeral methods. Call with mu held.
func (s *Server) fileMethod(method string, r *http.Request) apiResult {
	switch method {
	case "conversations.open":
		user := r.Form.Get("users")
		if _, ok := s.users[user]; !ok || strings.Contains(user, ",") {
			return apiError("user_not_found")
		}
		if s.dms[user] == "" {
			s.seq++
			s.dms[user] = fmt.Sprintf("D%08d", s.seq)
		}
		return apiResult{"ok": true, "channel": map[string]any{"id": s.dms[user], "is_im": true, "user": user}}
	case "usergroups.users.list":
		members, ok := s.groups[r.Form.Get("usergroup")]
		if !ok {
			return apiError("no_such_subteam")
		}
		return apiResult{"ok": true, "users": slices.Clone(members)}
	case "chat.postEphemeral":
		return s.postEphemeral(r)
	case "files.getUploadURLExternal":
		name, length := r.Form.Get("filename"), r.Form.Get("length")
		n, err := strconv.Atoi(length)
		if name == "" || err != nil || n <= 0 || n > maxUpload {
			return apiError("invalid_arguments")
		}
		f := s.newFile(s.opts.BotUserID, name)
		s.uploads[f.ID] = f
		return apiResult{"ok": true, "file_id": f.ID, "upload_url": s.srv.URL + "/upload/" + f.ID}
	case "files.completeUploadExternal":
		return s.completeUpload(r)
	default: // files.info
		i := slices.IndexFunc(s.state.Files, func(f File) bool { return f.ID == r.Form.Get("file") })
		if i < 0 {
			return apiError("file_not_found")
		}
		f := s.state.Files[i]
		download := s.srv.URL + "/download/" + f.ID + "/" + f.Name
		return apiResult{"ok": true, "file": map[string]any{
			"id": f.ID, "name": f.Name, "title": f.Title, "user": f.User, "size": len(f.Content),
			"mimetype": "application/json", "filetype": "json", "url_private": download,
			"url_private_download": download, "permalink": f.Permalink, "channels": f.Channels, "is_external": false,
		}}
	}
}

func (s *Server) postEphemeral(r *http.Request) apiResult {
	channel, user, text, blocks := r.Form.Get("channel"), r.Form.Get("user"), r.Form.Get("text"), r.Form.Get("blocks")
	if res := s.member(channel); res != nil {
		return res
	}
	switch {
	case s.users[user].ID == "":
		return apiError("user_not_found")
	case text == "" && blocks == "":
		return apiError("no_text")
	case blocks != "" && !json.Valid([]byte(blocks)):
		return apiError("invalid_blocks")
	}
	s.state.Ephemerals = append(s.state.Ephemerals, Ephemeral{Channel: channel, User: user,
		ThreadTS: r.Form.Get("thread_ts"), Text: text, Blocks: blocks})
	return apiResult{"ok": true, "message_ts": s.nextTS()}
}

// completeUpload shares uploaded files in a channel (or keeps them private
// to the bot without one).
func (s *Server) completeUpload(r *http.Request) apiResult {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if json.Unmarshal([]byte(r.Form.Get("files")), &files) != nil || len(files) == 0 {
		return apiError("invalid_arguments")
	}
	channel := r.Form.Get("channel_id")
	if channel != "" && !slices.Contains(mapValues(s.dms), channel) {
		if res := s.member(channel); res != nil {
			return res
		}
	}
	var done []map[string]any
	for _, in := range files {
		f, ok := s.uploads[in.ID]
		if !ok || f.Content == nil {
			return apiError("file_not_found")
		}
		delete(s.uploads, in.ID)
		if in.Title != "" {
			f.Title = in.Title
		}
		if channel != "" {
			f.Channels = []string{channel}
		}
		f.InitialComment = r.Form.Get("initial_comment")
		s.state.Files = append(s.state.Files, f)
		done = append(done, map[string]any{"id": f.ID, "title": f.Title})
	}
	return apiResult{"ok": true, "files": done}
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// serveUpload receives the content of a file (the upload_url of
// files.getUploadURLExternal): a multipart form with the file in "file".
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+1<<20)
	file, _, err := r.FormFile("file")
	if err != nil {
		http.Error(w, "no file", http.StatusBadRequest)
		return
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		http.Error(w, "cannot read the file", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.uploads[r.PathValue("file")]
	if !ok {
		http.Error(w, "unknown upload", http.StatusNotFound)
		return
	}
	f.Content = data
	if data == nil {
		f.Content = []byte{}
	}
	s.uploads[f.ID] = f
	fmt.Fprintf(w, "OK - %d", len(data))
}

// serveDownload serves a file's url_private_download to the bot token only.
func (s *Server) serveDownload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+s.opts.BotToken {
		http.Error(w, "not authorised", http.StatusForbidden)
		return
	}
	i := slices.IndexFunc(s.state.Files, func(f File) bool { return f.ID == r.PathValue("file") })
	if i < 0 {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(s.state.Files[i].Content)
}
