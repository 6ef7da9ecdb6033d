print("file-upload-agent")
